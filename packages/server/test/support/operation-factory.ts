import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  type GraphQLScalarType,
  type GraphQLSchema,
  getNamedType,
  isCompositeType,
} from 'graphql';

export type RootKind = 'query' | 'mutation' | 'subscription';

/** One root field as a runnable operation: a document, variables of the right shape, and where files go. */
export interface FieldOperation {
  kind: RootKind;
  name: string;
  query: string;
  variables: Record<string, unknown>;
  /** Variable paths of `Upload` values (e.g. `variables.input.file`): sent as a multipart request. */
  uploadPaths: string[];
  /** Variable paths holding `text` (see `rootFieldOperations`); empty without it. */
  textPaths: string[];
}

/**
 * Every root field of the schema: new fields are covered without touching the tests that walk them.
 * With `text`, every `String` and `ID` the field takes — optional input fields included — is that text.
 */
export function rootFieldOperations(schema: GraphQLSchema, text?: string): FieldOperation[] {
  const roots: [RootKind, ReturnType<GraphQLSchema['getQueryType']>][] = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ];
  return roots.flatMap(([kind, type]) => Object.values(type?.getFields() ?? {}).map((field) => operationFor(kind, field, text)));
}

function operationFor(kind: RootKind, field: GraphQLField<unknown, unknown>, text: string | undefined): FieldOperation {
  const paths: SamplePaths = { uploads: [], texts: [], text };
  const variables = Object.fromEntries(field.args.map((arg) => [arg.name, sample(arg.type, `variables.${arg.name}`, paths)]));
  const declarations = field.args.map((arg: GraphQLArgument) => `$${arg.name}: ${String(arg.type)}`).join(', ');
  const argumentList = field.args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const selection = isCompositeType(getNamedType(field.type)) ? ' { __typename }' : '';
  const query = `${kind} Walk${declarations ? `(${declarations})` : ''} { ${field.name}${argumentList ? `(${argumentList})` : ''}${selection} }`;
  return { kind, name: field.name, query, variables, uploadPaths: paths.uploads, textPaths: paths.texts };
}

interface SamplePaths {
  uploads: string[];
  texts: string[];
  text: string | undefined;
}

/** Whether a value of the type can hold a `String` or an `ID`. */
function holdsText(type: GraphQLInputType, seen = new Set<GraphQLInputType>()): boolean {
  const named = getNamedType(type);
  if (named instanceof GraphQLInputObjectType) {
    if (seen.has(named)) return false;
    seen.add(named);
    return Object.values(named.getFields()).some((field) => holdsText(field.type, seen));
  }
  return named.name === 'String' || named.name === 'ID';
}

/** A value of the type that passes variable coercion; the operation's own rules may still refuse it. */
function sample(type: GraphQLInputType, path: string, paths: SamplePaths): unknown {
  if (type instanceof GraphQLNonNull) return sample(type.ofType, path, paths);
  if (type instanceof GraphQLList) return [sample(type.ofType, `${path}.0`, paths)];
  if (type instanceof GraphQLEnumType) return type.getValues()[0]!.value;
  if (type instanceof GraphQLInputObjectType) {
    const chosen = Object.values(type.getFields()).filter(
      (field) => field.type instanceof GraphQLNonNull || (paths.text !== undefined && holdsText(field.type)),
    );
    return Object.fromEntries(chosen.map((field) => [field.name, sample(field.type, `${path}.${field.name}`, paths)]));
  }
  const scalar = type as GraphQLScalarType;
  if (paths.text !== undefined && (scalar.name === 'ID' || scalar.name === 'String')) {
    paths.texts.push(path);
    return paths.text;
  }
  switch (scalar.name) {
    case 'Upload':
      paths.uploads.push(path);
      return null;
    case 'ID':
      return '00000000-0000-4000-8000-000000000000';
    case 'Int':
      return 1;
    case 'Float':
      return 1.5;
    case 'Boolean':
      return false;
    case 'DateTimeISO':
      return new Date(Date.now() + 3_600_000).toISOString();
    case 'JSONObject':
      return {};
    default:
      return 'walk';
  }
}
