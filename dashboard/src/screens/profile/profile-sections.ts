/** The parts of the person's profile, as the circle reads and edits them (DESIGN.md, "The household document"). */
export type ListPart = 'routines' | 'triggers' | 'calming' | 'likelyPlaces';

export const LIST_PARTS: Array<{ part: ListPart; title: string; hint: string; add: string; empty: string }> = [
  { part: 'routines', title: 'Her day', hint: 'Her routines, one per line: “Up around 7”, “Walks to the shop at 10”.', add: 'Add a routine', empty: 'No routines written down yet.' },
  { part: 'calming', title: 'What calms her', hint: 'What helps when she is upset or confused: “Talk about her garden”.', add: 'Add something that calms her', empty: 'Nothing written down yet.' },
  { part: 'triggers', title: 'What may upset her', hint: 'What to avoid: “Loud noises”, “Being rushed”.', add: 'Add something that may upset her', empty: 'Nothing written down yet.' },
  { part: 'likelyPlaces', title: 'Places she may go', hint: 'Where to look first if she goes out: “St Mary’s church”.', add: 'Add a place', empty: 'No places written down yet.' },
];
