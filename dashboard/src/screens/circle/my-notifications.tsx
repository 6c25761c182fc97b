import { useResource } from '../../app/resource';
import { may, type User } from '../../app/session';
import { Loaded } from '../../ui/loaded';
import { Card } from '../../ui/page';
import { AwayForm } from './away';
import { MyDevices } from './devices';
import { PreferencesForm } from './preferences';

/** Everyone's own part of the circle screen, installers included: how and when I am told. */
export function MyNotificationsCard(props: { user: User }) {
  const mine = useResource('/api/me/preferences', { on: ['circle'] });
  return (
    <Card id="my-notifications" title="My notifications">
      <MyDevices />
      <Loaded resource={mine} label="your preferences">
        {(data) => (
          <>
            <h3 class="circle-part">What I am told, and when</h3>
            {/* Not keyed by updatedAt: the form keeps what was just saved, and its "Saved." with it. */}
            <PreferencesForm preferences={data.preferences} faultsOnly={!may(props.user, 'alerts.read')} onSaved={() => mine.reload()} />
            {/* Only those who can be on call have turns for the rota to pass on. */}
            {may(props.user, 'alerts.act') ? (
              <>
                <h3 class="circle-part">Away</h3>
                <AwayForm away={data.away} onChanged={() => mine.reload()} />
              </>
            ) : null}
          </>
        )}
      </Loaded>
    </Card>
  );
}
