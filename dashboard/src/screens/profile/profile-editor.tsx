import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import type { Reply } from '../../api/types';
import { Field } from '../../ui/field';
import { Card } from '../../ui/page';
import { FormProblem, SubmitButton, useSubmission } from '../../ui/submission';
import { LineList } from './line-list';
import { LIST_PARTS, type ListPart } from './profile-sections';

type Person = Reply<'/api/household'>['household']['person'];

/**
 * Editing the profile as one form, saved against the revision it was read at: if someone else saved
 * meanwhile, the hub refuses (409) rather than one carer's changes silently undoing another's.
 */
export function ProfileEditor(props: { person: Person; revision: number; onDone: (saved: boolean) => Promise<void> }) {
  const [description, setDescription] = useState(props.person.description ?? '');
  const [lists, setLists] = useState<Record<ListPart, string[]>>({
    routines: [...(props.person.routines ?? [])],
    triggers: [...(props.person.triggers ?? [])],
    calming: [...(props.person.calming ?? [])],
    likelyPlaces: [...(props.person.likelyPlaces ?? [])],
  });
  const submission = useSubmission();
  const clean = (lines: string[]) => lines.map((line) => line.trim()).filter((line) => line !== '');
  const save = async (event: Event) => {
    event.preventDefault();
    // Saved, the editor closes: it stays busy until then.
    await submission.run(
      async () => {
        await api.put('/api/household/person', {
          headers: { 'if-match': `"${props.revision}"` },
          body: {
            ...(description.trim() === '' ? {} : { description: description.trim() }),
            routines: clean(lists.routines),
            triggers: clean(lists.triggers),
            calming: clean(lists.calming),
            likelyPlaces: clean(lists.likelyPlaces),
          },
        });
        await props.onDone(true);
      },
      { stayBusy: true },
    );
  };
  return (
    <Card id="edit-profile" title={`Edit what the circle knows about ${props.person.name}`}>
      <form onSubmit={(event) => void save(event)}>
        <Field id="profile-description" label="What she looks like" hint="For anyone looking for her: height, hair, coat, stick or frame.">
          <textarea id="profile-description" maxLength={2000} value={description} onInput={(e) => setDescription(e.currentTarget.value)} aria-describedby="profile-description-hint" />
        </Field>
        {LIST_PARTS.map(({ part, title, hint, add }) => (
          <LineList key={part} id={`profile-${part}`} legend={title} hint={hint} addLabel={add} lines={lists[part]} onChange={(lines) => setLists((current) => ({ ...current, [part]: lines }))} />
        ))}
        <FormProblem problem={submission.problem} />
        <div class="row">
          <SubmitButton busy={submission.busy}>Save the profile</SubmitButton>
          <button type="button" class="button" onClick={() => void props.onDone(false)}>
            Cancel
          </button>
        </div>
      </form>
    </Card>
  );
}
