import { describe, expect, it } from 'vitest';
import { filterCovers, topicMatches } from '../../src/broker/topic-filter.js';

describe('topicMatches (MQTT 3.1.1 §4.7)', () => {
  const cases: Array<[filter: string, topic: string, matches: boolean, clause: string]> = [
    // §4.7.1.2 multi-level wildcard
    ['sport/tennis/player1/#', 'sport/tennis/player1', true, '§4.7.1.2 # matches the parent level'],
    ['sport/tennis/player1/#', 'sport/tennis/player1/ranking', true, '§4.7.1.2'],
    ['sport/tennis/player1/#', 'sport/tennis/player1/score/wimbledon', true, '§4.7.1.2'],
    ['sport/tennis/player1/#', 'sport/tennis/player2', false, '§4.7.1.2'],
    ['sport/#', 'sport', true, '§4.7.1.2 "sport/#" also matches "sport"'],
    ['#', 'sport/tennis/player1', true, '§4.7.1.2 "#" matches every topic'],
    ['#', '/', true, '§4.7.1.2'],
    ['#', 'a', true, '§4.7.1.2'],
    // §4.7.1.3 single-level wildcard
    ['sport/tennis/+', 'sport/tennis/player1', true, '§4.7.1.3'],
    ['sport/tennis/+', 'sport/tennis/player2', true, '§4.7.1.3'],
    ['sport/tennis/+', 'sport/tennis/player1/ranking', false, '§4.7.1.3 + is one level only'],
    ['sport/+', 'sport', false, '§4.7.1.3 "sport/+" does not match "sport"'],
    ['sport/+', 'sport/', true, '§4.7.1.3 "sport/+" matches "sport/" (empty level)'],
    ['+', 'sport', true, '§4.7.1.3'],
    ['+', '/finance', false, '§4.7.1.3 "+" does not match "/finance"'],
    ['+/+', '/finance', true, '§4.7.1.3 "+/+" matches "/finance"'],
    ['/+', '/finance', true, '§4.7.1.3 "/+" matches "/finance"'],
    ['sport/+/player1', 'sport/tennis/player1', true, '§4.7.1.3'],
    ['sport/+/player1', 'sport//player1', true, '§4.7.1.3 + matches an empty level'],
    ['+/tennis/#', 'sport/tennis/player1/ranking', true, '§4.7.1.3 with §4.7.1.2'],
    ['+/+/+', 'a/b', false, '§4.7.1.3 level count must agree'],
    // §4.7.2 topics beginning with $
    ['#', '$SYS/broker/clients', false, '§4.7.2 # does not match $ topics'],
    ['+/monitor/Clients', '$SYS/monitor/Clients', false, '§4.7.2 + does not match $ topics'],
    ['$SYS/#', '$SYS/monitor/Clients', true, '§4.7.2'],
    ['$SYS/monitor/+', '$SYS/monitor/Clients', true, '§4.7.2'],
    ['$SYS/#', '$SYS', true, '§4.7.2 with §4.7.1.2'],
    ['$SYS/#', 'SYS/monitor', false, '§4.7.2'],
    // §4.7.3 topic semantics: case-sensitive, "/" and empty levels are significant
    ['ACCOUNTS', 'Accounts', false, '§4.7.3 case-sensitive'],
    ['Accounts payable', 'Accounts payable', true, '§4.7.3 spaces allowed'],
    ['/finance', 'finance', false, '§4.7.3 leading / is a distinct (empty) level'],
    ['a/b', 'a/b/', false, '§4.7.3 trailing / adds an empty level'],
    ['a//b', 'a//b', true, '§4.7.3 empty levels match literally'],
    ['a//b', 'a/b', false, '§4.7.3'],
    ['homeward/devices/front-door/+', 'homeward/devices/front-door/door', true, 'native device topic'],
    ['homeward/devices/front-door/+', 'homeward/devices/front-doorx/door', false, 'levels compare whole'],
  ];
  it.each(cases)('%s vs %s → %s (%s)', (filter, topic, matches) => {
    expect(topicMatches(filter, topic)).toBe(matches);
  });
});

describe('filterCovers: every topic the requested filter matches is matched by the allowed one', () => {
  const cases: Array<[allowed: string, requested: string, covers: boolean]> = [
    ['homeward/devices/d1/commands/#', 'homeward/devices/d1/commands/#', true],
    ['homeward/devices/d1/commands/#', 'homeward/devices/d1/commands/reboot', true],
    ['homeward/devices/d1/commands/#', 'homeward/devices/d1/commands', true],
    ['homeward/devices/d1/commands/#', 'homeward/devices/d1/commands/+', true],
    ['homeward/devices/d1/commands/#', 'homeward/devices/d1/commands/+/x', true],
    ['homeward/devices/d1/commands/#', 'homeward/devices/d1/#', false],
    ['homeward/devices/d1/commands/#', 'homeward/devices/+/commands/#', false],
    ['homeward/devices/d1/commands/#', 'homeward/devices/d2/commands/#', false],
    ['homeward/devices/d1/commands/#', 'homeward/#', false],
    ['homeward/devices/d1/commands/#', '#', false],
    ['homeward/devices/d1/commands/#', '+/devices/d1/commands/#', false],
    ['homeward/#', 'homeward/#', true],
    ['homeward/#', 'homeward', true],
    ['homeward/#', 'homeward/alerts/+', true],
    ['homeward/#', 'homeassistant/#', false],
    ['homeward/#', '#', false],
    ['homeward/#', '+/alerts', false],
    ['a/+/c', 'a/+/c', true],
    ['a/+/c', 'a/b/c', true],
    ['a/+/c', 'a/#', false],
    ['a/+/c', 'a/b/#', false],
    ['a/+/c', 'a/+', false],
    ['a/+', 'a/+/#', false],
    ['a/b', 'a/b/#', false],
    ['a/#', 'a/+/#', true],
    ['#', 'anything/+/#', true],
    ['#', '$SYS/#', false],
    ['+/#', '$SYS/broker', false],
    ['$SYS/#', '$SYS/broker/+', true],
  ];
  it.each(cases)('%s covers %s → %s', (allowed, requested, covers) => {
    expect(filterCovers(allowed, requested)).toBe(covers);
  });

  it('agrees with topicMatches on concrete topics', () => {
    const filters = ['#', 'a/#', 'a/+', 'a/+/c', 'a/b', '+/b', '$SYS/#'];
    const topics = ['a', 'a/b', 'a/b/c', 'a/x/c', 'x/b', '$SYS/a', 'a//c'];
    for (const allowed of filters) {
      for (const topic of topics) {
        expect(filterCovers(allowed, topic), `${allowed} covers ${topic}`).toBe(topicMatches(allowed, topic));
      }
    }
  });
});
