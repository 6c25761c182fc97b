import { useState } from 'preact/hooks';
import type { ScreenProps } from '../app/screens';
import { useResource } from '../app/resource';
import { useMinuteTick } from '../app/router';
import { may, useSession } from '../app/session';
import { ago, dateTime } from '../ui/format';
import { Loaded } from '../ui/loaded';
import { Card, Empty, Page } from '../ui/page';
import { NoteForm } from './care-log/note-form';
import { NoteItem, type Note } from './care-log/note-item';
import './care-log/care-log.css';

const PAGE = 30;

/**
 * The care log (issue 8, screen 6): notes, visits and handovers, newest first, live. Whoever comes
 * next reads the last handover first; "Seen" and "Thanks" let the circle acknowledge each other's
 * efforts (DESIGN.md, "Principles").
 */
export function CareLogScreen(_props: ScreenProps) {
  useMinuteTick();
  const session = useSession();
  const user = session.status === 'signed-in' ? session.user : undefined;
  const [limit, setLimit] = useState(PAGE);
  const log = useResource('/api/care-log', { query: { limit }, on: ['care-log'] });
  const canWrite = user !== undefined && may(user, 'care-log.write');
  const latestHandover = log.data?.notes.find((note) => note.kind === 'handover');
  return (
    <Page title="Care log" subtitle="Notes, visits and handovers, newest first.">
      {latestHandover ? (
        <Card id="latest-handover" title="Latest handover" tone="ok">
          <p class="care-latest">{latestHandover.text}</p>
          <p class="muted small">
            From {latestHandover.author?.name ?? 'someone no longer in the circle'}, <time dateTime={latestHandover.at}>{dateTime(latestHandover.at)}</time> ({ago(latestHandover.at)})
          </p>
        </Card>
      ) : null}
      {canWrite ? (
        <Card id="write" title="Hand over, or write a note">
          <NoteForm onWritten={() => log.reload()} />
        </Card>
      ) : null}
      <Card id="log" title="The log">
        <Loaded resource={log} label="the care log">
          {(data) =>
            data.notes.length === 0 ? (
              <Empty>Nothing written yet. {canWrite ? 'A short handover after each visit helps whoever comes next.' : 'Notes and handovers from the circle will appear here.'}</Empty>
            ) : (
              <>
                <ol class="care-notes">
                  {user ? data.notes.map((note: Note) => <NoteItem key={note.id} note={note} user={user} onChanged={() => log.reload()} />) : null}
                </ol>
                {data.nextBefore !== null && limit < 200 ? (
                  <button type="button" class="button" onClick={() => setLimit((n) => Math.min(200, n + PAGE))}>
                    Show older notes
                  </button>
                ) : null}
              </>
            )
          }
        </Loaded>
      </Card>
    </Page>
  );
}
