import type { Reply } from '../../api/types';
import type { Resource } from '../../app/resource';
import { ago } from '../../ui/format';
import { Loaded } from '../../ui/loaded';
import { Card, Empty } from '../../ui/page';
import { draftOf, type DeviceDraft } from './device-form';
import { kindWord, sourceWord, type DeviceBody } from './words';

type Discovered = Reply<'/api/devices/discovered'>['devices'][number];

/**
 * What the broker has heard that no household device claims (a sensor paired with the bridge, a
 * phone with its credential but the wrong topic), each with the entry the hub suggests.
 */
export function DiscoverCard(props: { discovered: Resource<Reply<'/api/devices/discovered'>>; onAdd: (draft: DeviceDraft) => void }) {
  return (
    <Card
      id="discover"
      title="Heard but not added"
      actions={
        <button type="button" class="button" onClick={() => void props.discovered.reload()}>
          Look again
        </button>
      }
    >
      <p class="muted small">Devices the hub has heard on its broker that are not in the household yet. Pair a sensor with its bridge, then look again.</p>
      <Loaded resource={props.discovered} label="what the hub has heard">
        {(data) =>
          data.devices.length === 0 ? (
            <Empty>Nothing new heard. Every device the hub hears is already added.</Empty>
          ) : (
            <ul class="list">
              {data.devices.map((found) => (
                <DiscoveredLine key={found.topic} found={found} onAdd={props.onAdd} />
              ))}
            </ul>
          )
        }
      </Loaded>
    </Card>
  );
}

function DiscoveredLine(props: { found: Discovered; onAdd: (draft: DeviceDraft) => void }) {
  const { found } = props;
  const suggested = found.suggested;
  const title = suggested.name ?? found.description ?? found.topic;
  return (
    <li data-discovered={found.topic}>
      <div class="stack device-main">
        <h3 class="device-name">{title}</h3>
        <p class="muted small">
          <code class="wrap">{found.topic}</code> · {sourceWord(found.source)}
          {found.bridge ? ` through ${found.bridge}` : ''}
          {suggested.kind ? ` · looks like a ${kindWord(suggested.kind).toLowerCase()}` : ''}
        </p>
        {found.description && found.description !== title ? <p class="small">{found.description}</p> : null}
        <p class="small">
          {found.messages} message{found.messages === 1 ? '' : 's'}, last {ago(found.lastSeen)}
        </p>
      </div>
      <button type="button" class="button button-primary" aria-label={`Add ${title}`} onClick={() => props.onAdd(draftOf({ source: found.source as DeviceBody['source'], ...(found.bridge ? { bridge: found.bridge } : {}), topic: found.topic, ...suggested }))}>
        Add
      </button>
    </li>
  );
}
