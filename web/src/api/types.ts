import type { operations } from './schema.gen';

type Responses<Op extends keyof operations> = operations[Op]['responses'];
type JsonOf<R> = R extends { content: { 'application/json': infer J } } ? J : never;

/** The JSON body of an operation's success answer (200 or 201), by operationId. */
export type Body<Op extends keyof operations> = JsonOf<Responses<Op>[200 & keyof Responses<Op>]> extends never
  ? JsonOf<Responses<Op>[201 & keyof Responses<Op>]>
  : JsonOf<Responses<Op>[200 & keyof Responses<Op>]>;

/** The `data` of an operation's success envelope; for a list, one item is `Data<Op>[number]`. */
export type Data<Op extends keyof operations> = Body<Op> extends { data: infer D } ? D : never;

/** The query parameters of an operation. */
export type Query<Op extends keyof operations> = NonNullable<operations[Op]['parameters']['query']>;

export type User = Data<'getCurrentUser'>;
export type Finding = Data<'getFinding'>;
export type Project = Data<'getProject'>;
export type Client = Data<'getClient'>;
export type Asset = Data<'getAsset'>;
export type Report = Data<'getReport'>;
export type PageMeta = { page: number; limit: number; total: number; pages: number };
