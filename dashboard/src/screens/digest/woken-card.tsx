import { useResource } from '../../app/resource';
import { Loaded } from '../../ui/loaded';
import { Card, Empty } from '../../ui/page';
import { dateLabel } from '../medication/home-dates';
import { plural } from '../medication/words';

/** Who was woken at night in the week to `end`, and how often: so the night load is shared fairly. */
export function WokenCard(props: { end: string }) {
  const week = useResource('/api/digest/week', { query: { end: props.end }, on: ['alert'] });
  return (
    <Card id="woken" title="Who was woken at night this week">
      <Loaded resource={week} label="the week">
        {(data) => (
          <>
            <p>{data.line}</p>
            <p class="muted small">
              Nights beginning {dateLabel(data.from)} to {dateLabel(data.end)}.
            </p>
            {data.members.length === 0 ? (
              <Empty>Nobody was woken at night this week.</Empty>
            ) : (
              <div class="table-scroll" tabIndex={0} role="region" aria-label="Night notifications per member">
                <table>
                  <caption class="visually-hidden">Night notifications per member</caption>
                  <thead>
                    <tr>
                      <th scope="col">Member</th>
                      <th scope="col">Nights woken</th>
                      <th scope="col">Notifications</th>
                    </tr>
                  </thead>
                  <tbody>
                    {[...data.members]
                      .sort((a, b) => b.nights - a.nights || b.notifications - a.notifications)
                      .map((member) => (
                        <tr key={`${member.userId ?? 'former'}-${member.name}`}>
                          <th scope="row">{member.name}</th>
                          <td>
                            {plural(member.nights, 'night')}
                            {member.dates.length > 0 ? <span class="muted small digest-nights">{member.dates.map((d) => dateLabel(d)).join(', ')}</span> : null}
                          </td>
                          <td>{member.notifications}</td>
                        </tr>
                      ))}
                  </tbody>
                </table>
              </div>
            )}
          </>
        )}
      </Loaded>
    </Card>
  );
}
