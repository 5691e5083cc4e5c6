// A compile-time check that two object types are the same, property by
// property (names, types, optionality, readonly). Each store's schema file uses
// it to prove its drizzle tables read back exactly the records of ./records.ts,
// so the SQLite and PostgreSQL schemas cannot drift apart silently.

// Two generic functions are only mutually assignable when A and B are
// identical, which catches what plain assignability misses (an extra optional
// property, `string` vs a literal union, `T | null` vs `T`).
export type Same<A, B> = (<T>() => T extends Flat<A> ? 1 : 2) extends <T>() => T extends Flat<B> ? 1 : 2 ? true : false;

/** Fails to compile unless `T` is `true`: `type _ = Expect<Same<A, B>>`. */
export type Expect<T extends true> = T;

// Flattens an interface, a mapped type (Omit) or an intersection into one
// plain object type, so `Same` compares properties and nothing else.
type Flat<T> = { [K in keyof T]: T[K] };
