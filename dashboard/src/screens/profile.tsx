import { useState } from 'preact/hooks';
import type { ScreenProps } from '../app/screens';
import { useResource } from '../app/resource';
import { may, useSession } from '../app/session';
import { Loaded } from '../ui/loaded';
import { Card, Empty, Page } from '../ui/page';
import { ProfileEditor } from './profile/profile-editor';
import { LIST_PARTS } from './profile/profile-sections';
import './profile/profile.css';

/**
 * "About her" (issue 8, screen 6): what a carer arriving needs to know — what she looks like, her
 * day, what calms her and what upsets her, where she may go. Those who care for her keep it current.
 */
export function ProfileScreen(_props: ScreenProps) {
  const session = useSession();
  const user = session.status === 'signed-in' ? session.user : undefined;
  const household = useResource('/api/household', { on: ['household'] });
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);
  const canEdit = user !== undefined && may(user, 'profile.write');
  const name = household.data?.household.person.name;
  return (
    <Page
      title={name ? `About ${name}` : 'About her'}
      subtitle="Shared by the circle, so whoever arrives knows her a little."
      actions={
        canEdit && !editing && household.data ? (
          <button type="button" class="button" onClick={() => (setEditing(true), setSaved(false))}>
            Edit the profile
          </button>
        ) : null
      }
    >
      <Loaded resource={household} label="her profile">
        {(data) => {
          const { person } = data.household;
          if (editing) {
            return (
              <ProfileEditor
                person={person}
                revision={data.revision}
                onDone={async (done) => {
                  if (done) await household.reload();
                  setSaved(done);
                  setEditing(false);
                }}
              />
            );
          }
          return (
            <>
              {saved ? (
                <p class="profile-saved" role="status">
                  Saved. Everyone in the circle sees it now.
                </p>
              ) : null}
              <Card id="looks" title="What she looks like">
                {person.description ? <p class="profile-description">{person.description}</p> : <Empty>Not described yet.{canEdit ? ' A few words help anyone looking for her.' : ''}</Empty>}
              </Card>
              <div class="grid grid-2">
                {LIST_PARTS.map(({ part, title, empty }) => {
                  const lines = person[part] ?? [];
                  return (
                    <Card key={part} id={`profile-${part}-view`} title={title}>
                      {lines.length === 0 ? (
                        <Empty>{empty}</Empty>
                      ) : (
                        <ul class="profile-list">
                          {lines.map((line, i) => (
                            <li key={i}>{line}</li>
                          ))}
                        </ul>
                      )}
                    </Card>
                  );
                })}
              </div>
            </>
          );
        }}
      </Loaded>
    </Page>
  );
}
