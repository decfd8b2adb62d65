import { ApolloServerErrorCode } from '@apollo/server/errors';
import {
  coerceInputValue,
  type DocumentNode,
  type ExecutionResult,
  getNamedType,
  getOperationAST,
  GraphQLError,
  type GraphQLInputType,
  type GraphQLNamedInputType,
  type GraphQLSchema,
  isInputObjectType,
  isInputType,
  isLeafType,
  isListType,
  isNonNullType,
  Kind,
  type OperationDefinitionNode,
  print,
  TypeInfo,
  typeFromAST,
  ValidationContext,
  type VariableDefinitionNode,
} from 'graphql';

/** Errors reported at most, as graphql-js' `execute` does before it gives up on the variables. */
const MAX_ERRORS = 50;
const TOO_MANY_ERRORS = 'Too many errors processing variables, error limit reached. Execution aborted.';

/** An operation's variables as graphql-js' `execute` takes them. */
export interface VariablesOfOperation {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string | null;
  variableValues?: Readonly<Record<string, unknown>> | null;
}

/**
 * The one rule for variables that do not coerce, over HTTP and WebSocket alike. graphql-js (and graphql-jit)
 * answer without `data` an operation they refuse before executing it, and word a refused variable with its value:
 * `Variable "$input" got invalid value { password: "…", file: { resolve: [function], … } }`; a scalar's reason
 * repeats it (`String cannot represent a non string value: …`). A password, or an upload's internals, would reach
 * the client and the log. When the variables are why, this gives the result with their errors as
 * `variableErrors` words them; any other result is returned as it is. Called on results without `data`
 * only, so coercing a second time costs nothing on the success path.
 */
export function withoutSubmittedValues<Result extends ExecutionResult>(result: Result, operation: VariablesOfOperation): Result | ExecutionResult {
  if (result.data !== undefined || !result.errors?.length) return result;
  const definition = getOperationAST(operation.document, operation.operationName);
  if (!definition) return result;
  const errors = variableErrors(operation.schema, definition, operation.variableValues);
  return errors ? { errors } : result;
}

/**
 * The errors of the operation's variables that do not coerce to their types, or undefined when all do;
 * `BAD_USER_INPUT`, as Apollo codes graphql-js' own. Each names the variable, the path inside it and the
 * reason, never a submitted value: `Variable "$i" got an invalid value at "i.role": Expected a value of type
 * "Role".` A scalar's or an enum's own reason quotes the value it refused, so those say which type was
 * expected instead; suggestions of field names are left out, as everywhere in the API.
 */
export function variableErrors(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  inputs: Readonly<Record<string, unknown>> | null | undefined,
): GraphQLError[] | undefined {
  const errors: GraphQLError[] = [];
  const tooMany = new GraphQLError(TOO_MANY_ERRORS, { extensions: { code: ApolloServerErrorCode.BAD_USER_INPUT } });
  const report = (message: string, node: VariableDefinitionNode) => {
    if (errors.length >= MAX_ERRORS) throw tooMany;
    errors.push(new GraphQLError(message, { nodes: node, extensions: { code: ApolloServerErrorCode.BAD_USER_INPUT } }));
  };
  try {
    for (const definition of operation.variableDefinitions ?? []) coerceVariable(schema, definition, inputs ?? {}, report);
  } catch (error) {
    if (error !== tooMany) throw error;
    errors.push(tooMany);
  }
  return errors.length > 0 ? errors : undefined;
}

/** Reports why one variable does not coerce, as graphql-js' `getVariableValues` checks it, in words without its value. */
function coerceVariable(
  schema: GraphQLSchema,
  definition: VariableDefinitionNode,
  inputs: Readonly<Record<string, unknown>>,
  report: (message: string, node: VariableDefinitionNode) => void,
): void {
  const name = definition.variable.name.value;
  const type = typeFromAST(schema, definition.type);
  if (!isInputType(type)) {
    report(`Variable "$${name}" expected value of type "${print(definition.type)}" which cannot be used as an input type.`, definition);
    return;
  }
  if (!Object.prototype.hasOwnProperty.call(inputs, name)) {
    if (!definition.defaultValue && isNonNullType(type))
      report(`Variable "$${name}" of required type "${String(type)}" was not provided.`, definition);
    return;
  }
  const value = inputs[name];
  if (value === null && isNonNullType(type)) {
    report(`Variable "$${name}" of non-null type "${String(type)}" must not be null.`, definition);
    return;
  }
  coerceInputValue(
    value,
    type,
    (path, invalidValue, error) => {
      const at = path.length > 0 ? ` at "${name}${printPath(path)}"` : '';
      report(`Variable "$${name}" got an invalid value${at}: ${reasonWithoutValue(type, path, invalidValue, error)}`, definition);
    },
    true,
  );
}

/**
 * graphql-js' reason for a null where a value is required, or about an input object (they name types and
 * fields only: `Field "extra" is not defined by type "CreateUserInput".`). A scalar's or an enum's reason
 * quotes the value it refused: the type expected there instead.
 */
function reasonWithoutValue(type: GraphQLInputType, path: readonly (string | number)[], invalidValue: unknown, error: GraphQLError): string {
  if (invalidValue == null) return error.message;
  const named = namedTypeAt(type, path);
  if (named && !isLeafType(named)) return error.message;
  return named ? `Expected a value of type "${named.name}".` : 'The value is not valid here.';
}

/** The named type found at a path inside a value of `type`: list indices are numbers, input fields strings. */
function namedTypeAt(type: GraphQLInputType, path: readonly (string | number)[]): GraphQLNamedInputType | undefined {
  let current: GraphQLInputType = type;
  for (const key of path) {
    if (typeof key === 'number') {
      const list: GraphQLInputType = isNonNullType(current) ? current.ofType : current;
      if (!isListType(list)) return undefined;
      current = list.ofType;
    } else {
      // A field's key also follows a list given a single value (graphql coerces it to a list of one).
      const named = getNamedType(current);
      const field = isInputObjectType(named) ? named.getFields()[key] : undefined;
      if (!field) return undefined;
      current = field.type;
    }
  }
  return getNamedType(current);
}

/** A path inside a variable as graphql-js prints it: `.field` and `[index]`. */
function printPath(path: readonly (string | number)[]): string {
  return path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${key}`)).join('');
}

/** Per operation, its variables declared nullable that stand where a value is required, with the type required there. */
const nullableWhereRequired = new WeakMap<
  OperationDefinitionNode,
  ReadonlyMap<string, { type: GraphQLInputType; definition: VariableDefinitionNode }>
>();

function nullableVariablesWhereRequired(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode) {
  let found = nullableWhereRequired.get(operation);
  if (found) return found;
  const nullable = new Map<string, VariableDefinitionNode>();
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.type.kind !== Kind.NON_NULL_TYPE) nullable.set(definition.variable.name.value, definition);
  }
  const required = new Map<string, { type: GraphQLInputType; definition: VariableDefinitionNode }>();
  if (nullable.size > 0) {
    const context = new ValidationContext(schema, document, new TypeInfo(schema), () => undefined);
    for (const { node, type } of context.getRecursiveVariableUsages(operation)) {
      const definition = nullable.get(node.name.value);
      if (definition && isNonNullType(type) && !required.has(node.name.value)) required.set(node.name.value, { type, definition });
    }
  }
  nullableWhereRequired.set(operation, (found = required));
  return found;
}

/**
 * graphql's validation lets a variable declared nullable stand where a value is required when it has a default
 * (`$u: String = "admin"` in `{ username: $u }`). Given null, graphql-js' execution refuses the argument by quoting
 * its whole literal, secrets included (`Argument "input" has invalid value {username: $u, password: "…"}.`), in an
 * error without a code, answered as INTERNAL_ERROR and logged. Refused before anything runs instead, as the other
 * variable errors: `BAD_USER_INPUT`, naming the variable and the type required where it is used. Which variables
 * are concerned is worked out once per operation (documents are kept parsed), so a request costs a lookup.
 */
export function nullVariableWhereRequired(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  inputs: Readonly<Record<string, unknown>> | null | undefined,
): GraphQLError | undefined {
  if (!inputs) return undefined;
  for (const [name, { type, definition }] of nullableVariablesWhereRequired(schema, document, operation)) {
    if (Object.hasOwn(inputs, name) && inputs[name] === null) {
      return new GraphQLError(`Variable "$${name}" must not be null: it is used where a value of type "${String(type)}" is required.`, {
        nodes: definition,
        extensions: { code: ApolloServerErrorCode.BAD_USER_INPUT },
      });
    }
  }
  return undefined;
}
