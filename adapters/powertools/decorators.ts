/**
 * Powertools' method decorators come in the form TypeScript's `experimentalDecorators` calls
 * (`(target, propertyKey, descriptor)`, the one Powertools supports); the same functions here also
 * take the standard (TC39) form, `(method, context)`, which TypeScript 5+ and esbuild emit
 * without that flag. Both replace the method with `wrap(method, name)`.
 */

export type AnyClassMethod = (...args: any[]) => any;

/** A decorator for class methods, usable as a legacy or a standard decorator. */
export interface MethodDecorator {
  <T extends AnyClassMethod>(
    target: object,
    propertyKey: string | symbol,
    descriptor: TypedPropertyDescriptor<T>,
  ): TypedPropertyDescriptor<T>;
  <T extends AnyClassMethod>(method: T, context: ClassMethodDecoratorContext): T;
}

/** The decorator for `what` (its caller's name, for the message of a misuse). */
export function methodDecorator(what: string, wrap: (method: AnyClassMethod, name: string) => AnyClassMethod): MethodDecorator {
  return ((target: unknown, keyOrContext: unknown, descriptor?: PropertyDescriptor): unknown => {
    if (isStandardContext(keyOrContext)) {
      if (keyOrContext.kind !== "method" || typeof target !== "function")
        throw new TypeError(`${what}: decorates class methods, not a ${String(keyOrContext.kind)}`);
      return wrap(target as AnyClassMethod, String(keyOrContext.name));
    }
    if (descriptor === null || typeof descriptor !== "object" || typeof descriptor.value !== "function")
      throw new TypeError(`${what}: decorates class methods (a descriptor with a function value), got ${typeof descriptor?.value}`);
    descriptor.value = wrap(descriptor.value as AnyClassMethod, String(keyOrContext));
    return descriptor;
  }) as MethodDecorator;
}

function isStandardContext(value: unknown): value is { kind: unknown; name: unknown } {
  return value !== null && typeof value === "object" && "kind" in value && "name" in value;
}
