import SerializerSelector from '@fastify/fast-json-stringify-compiler';

/**
 * Every route's validators (Ajv) and response serializers (fast-json-stringify) compiled on the
 * route's first request instead of all of them while the hub starts, as Fastify does by default.
 * Measured as `npm run bench` measures idle RSS (the Pi flags, 3 s after start): compiling all of
 * them at start cost 11 MiB of the idle hub's 111 MiB (median of 5 runs, 111.3 → 99.9 MiB; 7 MiB of
 * it live heap, the rest heap grown for the code Ajv and fast-json-stringify generate), for routes an
 * idle hub never answers; start-up got faster too. Each compiled function is the one Fastify would
 * have made (the same Ajv instance and options, the same fast-json-stringify options), made later.
 * The price is paid once per route: 2–5 ms on its first
 * request here, and about 25 ms more on the first request of all that Ajv validates (its code
 * generator's own first run; warming it at start would cost back 3.8 MiB). A test compiles them all
 * at start (`compileSchemas: 'at-start'`), so a schema that cannot compile still fails there.
 */
export type SchemaCompilation = 'on-first-use' | 'at-start';

/** A stand-in's target: how to compile the real function until it has, then the real function. */
interface Deferred {
  (): undefined;
  compile?: (() => Compiled) | undefined;
  compiled?: Compiled;
}
type Compiled = (...args: never[]) => unknown;

function realOf(target: Deferred): Compiled {
  if (target.compiled === undefined) {
    target.compiled = (target.compile as () => Compiled)();
    target.compile = undefined;
  }
  return target.compiled;
}

// One handler for every stand-in (a server holds about 700): a handler and closures each were 0.2 MiB more.
const forwardToReal: ProxyHandler<Deferred> = {
  apply: (target, thisArg, args: unknown[]) => Reflect.apply(realOf(target), thisArg, args),
  get: (target, property) => Reflect.get(realOf(target), property),
  has: (target, property) => Reflect.has(realOf(target), property),
};

/**
 * A stand-in for the function `compile` will return, made by it on first use: calling it or reading
 * any property (Fastify reads a validator's `errors` and `schemaEnv`) compiles and answers from the
 * real one, so Fastify cannot tell the two apart.
 */
export function compiledOnFirstUse<F extends Compiled>(compile: () => F): F {
  // An arrow function as the target: it has no non-configurable `prototype` for the proxy to honour.
  const target: Deferred = () => undefined;
  target.compile = compile;
  return new Proxy(target, forwardToReal) as unknown as F;
}

/** The part of an Ajv instance this file replaces (Ajv is Fastify's, not a dependency of ours). */
interface AjvCompile {
  compile(schema: unknown, meta?: boolean): Compiled;
}

/**
 * For Fastify's `ajv.onCreate`: the instance's `compile` hands out validators compiled on first use.
 * A schema with an `$id` is compiled at once, as before: Ajv registers it by that id, and the
 * compiler looks it up there for the next route that uses it.
 */
export function validatorsOnFirstUse(ajv: AjvCompile): void {
  const compile = ajv.compile.bind(ajv);
  ajv.compile = (schema, meta) => {
    if (typeof schema === 'object' && schema !== null && '$id' in schema) return compile(schema, meta);
    return compiledOnFirstUse(() => compile(schema, meta));
  };
}

/** For Fastify's `schemaController.compilersFactory.buildSerializer`: Fastify's own factory, each serializer compiled on first use. */
export function serializersOnFirstUse(): SerializerSelector.SerializerFactory {
  const buildSerializer = SerializerSelector();
  return (externalSchemas, options) => {
    const compile = buildSerializer(externalSchemas, options);
    return (route) => compiledOnFirstUse(() => compile(route));
  };
}
