import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { isHomewardError } from '../../src/core/errors.js';
import { assertSchema, schemaProblems } from '../../src/core/schema-check.js';

const Dose = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    compartment: Type.Integer({ minimum: 0, maximum: 28 }),
    times: Type.Optional(Type.Array(Type.String({ pattern: '^\\d\\d:\\d\\d$' }))),
    box: Type.Optional(Type.Object({ lids: Type.Integer() }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

describe('schemaProblems', () => {
  it('returns no problems for a valid value', () => {
    expect(schemaProblems(Dose, { name: 'Morning tablets', compartment: 1, times: ['08:00'] })).toEqual([]);
  });

  it.each([
    { value: { name: '', compartment: 1 }, path: '/name' },
    { value: { name: 'x', compartment: 29 }, path: '/compartment' },
    { value: { name: 'x', compartment: 1.5 }, path: '/compartment' },
    { value: { name: 'x', compartment: 1, times: ['08:00', '8am'] }, path: '/times/1' },
    { value: { name: 'x', compartment: 1, box: { lids: 'two' } }, path: '/box/lids' },
  ])('names the JSON pointer of the bad value: $path', ({ value, path }) => {
    const problems = schemaProblems(Dose, value);
    expect(problems.map((p) => p.path)).toEqual([path]);
    expect(problems[0]?.message).not.toBe('');
  });

  it('reports an unknown field once, at the key, as "is not a known field"', () => {
    expect(schemaProblems(Dose, { name: 'x', compartment: 1, compartmnet: 2 })).toEqual([
      { path: '/compartmnet', message: 'is not a known field' },
    ]);
    expect(schemaProblems(Dose, { name: 'x', compartment: 1, box: { lids: 1, lid: 2 } })).toEqual([
      { path: '/box/lid', message: 'is not a known field' },
    ]);
  });

  it('reports problems at the root as "/"', () => {
    for (const value of [null, 'text', 42, [], undefined]) {
      const problems = schemaProblems(Dose, value);
      expect(problems.length).toBeGreaterThan(0);
      expect(problems[0]?.path).toBe('/');
    }
  });

  it('names a missing required property by its own path', () => {
    expect(schemaProblems(Dose, { compartment: 1 })).toEqual([{ path: '/name', message: 'is required' }]);
    expect(schemaProblems(Dose, {}).map((p) => p.path).sort()).toEqual(['/compartment', '/name']);
  });

  it('lists every problem, without duplicates', () => {
    const problems = schemaProblems(Dose, { name: '', compartment: -1, extra: true, times: [1] });
    const paths = problems.map((p) => p.path).sort();
    expect(paths).toEqual(['/compartment', '/extra', '/name', '/times/0']);
    expect(new Set(problems.map((p) => `${p.path}:${p.message}`)).size).toBe(problems.length);
  });
});

describe('assertSchema', () => {
  it('returns the same value when it is valid', () => {
    const dose = { name: 'Evening tablets', compartment: 2 };
    expect(assertSchema(Dose, dose, 'HW_PAYLOAD_INVALID', 'dose')).toBe(dose);
  });

  it('throws a coded error naming what was checked and every problem by path', () => {
    const dose = { name: '', compartment: 40 };
    const before = structuredClone(dose);
    let caught: unknown;
    try {
      assertSchema(Dose, dose, 'HW_HOUSEHOLD_INVALID', 'dose');
    } catch (error) {
      caught = error;
    }
    expect(isHomewardError(caught, 'HW_HOUSEHOLD_INVALID')).toBe(true);
    const error = caught as Error & { details: unknown };
    expect(error.message).toMatch(/^dose is not valid:/);
    expect(error.message).toContain('/name:');
    expect(error.message).toContain('/compartment:');
    expect(error.details).toEqual(schemaProblems(Dose, dose));
    expect(dose).toEqual(before);
  });
});
