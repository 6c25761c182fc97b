import type { Reply } from '../../api/types';
import { Card, Empty } from '../../ui/page';

type Person = Reply<'/api/incidents/{id}'>['person'];

/**
 * What helps whoever goes to look for her: what she looks like and wears, where she tends to go, and
 * what calms her (from the profile the circle keeps, carried by the incident reply).
 */
export function PersonCard(props: { person: Person }) {
  const { person } = props;
  return (
    <Card id="person" title={`Finding and calming ${person.name}`}>
      <h3>What she looks like</h3>
      {person.description ? <p data-description>{person.description}</p> : <Empty>No description yet. Add one on the “About her” page.</Empty>}
      <h3>Places she may go</h3>
      <List items={person.likelyPlaces} empty="No places noted yet." />
      <h3>What calms her</h3>
      <List items={person.calming} empty="Nothing noted yet." />
      {person.triggers.length > 0 ? (
        <>
          <h3>What upsets her</h3>
          <List items={person.triggers} empty="" />
        </>
      ) : null}
    </Card>
  );
}

function List(props: { items: readonly string[]; empty: string }) {
  if (props.items.length === 0) return <Empty>{props.empty}</Empty>;
  return (
    <ul>
      {props.items.map((item) => (
        <li key={item}>{item}</li>
      ))}
    </ul>
  );
}
