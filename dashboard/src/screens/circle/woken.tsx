import { useResource } from '../../app/resource';
import { Loaded } from '../../ui/loaded';
import { Card } from '../../ui/page';

/** Who was woken how often this week: night-time load shared fairly protects carers from burnout. */
export function WokenCard() {
  const week = useResource('/api/digest/week', { on: ['alert', 'circle'] });
  return (
    <Card id="woken" title="Who was woken this week">
      <Loaded resource={week} label="this week’s nights">
        {(data) => (
          <>
            <p class="headline">{data.line}</p>
            {/* The hub's line already says when nobody was woken: a table of noughts adds nothing. */}
            {data.members.every((member) => member.nights === 0 && member.notifications === 0) ? null : (
              <div class="table-scroll">
                <table>
                  <caption class="visually-hidden">Nights each member was woken, and notifications they got at night</caption>
                  <thead>
                    <tr>
                      <th scope="col">Who</th>
                      <th scope="col">Nights woken</th>
                      <th scope="col">Night notifications</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.members.map((member) => (
                      <tr key={member.userId ?? member.name}>
                        <th scope="row">{member.name}</th>
                        <td>{member.nights} of 7</td>
                        <td>{member.notifications}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <p class="hint">Sharing the nights fairly keeps everyone going. Swap or cover shifts in the rota above.</p>
          </>
        )}
      </Loaded>
    </Card>
  );
}
