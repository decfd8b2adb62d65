import {
  type ASTNode,
  type ASTVisitFn,
  getNamedType,
  getNullableType,
  GraphQLError,
  type GraphQLInputObjectType,
  type GraphQLInputType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isRequiredInputField,
  Kind,
  type ObjectValueNode,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
} from 'graphql';

/** A visitor's view of where a node is: its containers (nodes and lists) from the document down, and the keys between them. */
interface Place {
  chain: readonly (ASTNode | readonly ASTNode[])[];
  keys: readonly (string | number)[];
}

type VisitArguments = Parameters<ASTVisitFn<ASTNode>>;

/** The place of the node a visitor was called with. */
function placeOf([node, , parent, path, ancestors]: VisitArguments): Place {
  return { chain: parent ? [...ancestors, parent, node] : [node], keys: path };
}

/** The place of the node's container (an input object field's object). */
function containerOf({ chain, keys }: Place): Place {
  return { chain: chain.slice(0, -1), keys: keys.slice(0, -1) };
}

function isNode(item: ASTNode | readonly ASTNode[] | undefined): item is ASTNode {
  return item !== undefined && !Array.isArray(item);
}

/** Whose argument an argument node is: `field "signIn"` or `directive "@include"`. */
function ownerOf(node: ASTNode | readonly ASTNode[] | undefined): string {
  if (isNode(node) && node.kind === Kind.DIRECTIVE) return `directive "@${node.name.value}"`;
  if (isNode(node) && node.kind === Kind.FIELD) return `field "${node.name.value}"`;
  return 'a field';
}

/**
 * What a refused value belongs to and where it is inside: `Argument "input" of field "signIn" has an
 * invalid value at "input.pfx.password"`, or `Variable "$i" has an invalid default value at "i.ids[2]"`.
 */
function describePlace({ chain, keys }: Place): string {
  let subject = 'A value is invalid';
  let path: string[] = [];
  chain.forEach((item, index) => {
    if (!isNode(item)) {
      // A list's items: the key into them is the index.
      const owner = chain[index - 1];
      if (isNode(owner) && owner.kind === Kind.LIST) path.push(`[${String(keys[index])}]`);
    } else if (item.kind === Kind.ARGUMENT) {
      // An argument node sits in its field's or directive's `arguments` list.
      subject = `Argument "${item.name.value}" of ${ownerOf(chain[index - 2])} has an invalid value`;
      path = [item.name.value];
    } else if (item.kind === Kind.VARIABLE_DEFINITION) {
      subject = `Variable "$${item.variable.name.value}" has an invalid default value`;
      path = [item.variable.name.value];
    } else if (item.kind === Kind.OBJECT_FIELD) {
      path.push(`.${item.name.value}`);
    }
  });
  return path.length > 1 ? `${subject} at "${path.join('')}"` : subject;
}

/** What kind of literal a value is, in words that never hold the value itself. */
function kindOf(node: ValueNode): string {
  switch (node.kind) {
    case Kind.INT:
      return 'an integer';
    case Kind.FLOAT:
      return 'a float';
    case Kind.STRING:
      return 'a string';
    case Kind.BOOLEAN:
      return 'a boolean';
    case Kind.NULL:
      return 'null';
    case Kind.ENUM:
      return 'an enum value';
    case Kind.LIST:
      return 'a list';
    case Kind.OBJECT:
      return 'an object';
    case Kind.VARIABLE:
      return 'a variable';
  }
}

const contextsWithRefusedLiterals = new WeakSet<ValidationContext>();

/** Whether `literalValuesRule` refused a literal of the document this context validates. */
export function hasRefusedLiterals(context: ValidationContext): boolean {
  return contextsWithRefusedLiterals.has(context);
}

/**
 * graphql-js' ValuesOfCorrectTypeRule (graphql 16), the same checks in the same order, in words that never
 * quote the literal: its messages print the value it refuses (`String cannot represent a non string value:
 * 12345`, `Expected value of type "SignInInput!", found "…"`), and a password or a private key's passphrase
 * written in a document would reach the client and, through it, any log. Each error names the argument or
 * variable default, the path inside it, the type expected there and the kind of literal found instead:
 * `Argument "input" of field "signIn" has an invalid value at "input.password": Expected a value of type
 * "String!", found an integer that it cannot represent.` A scalar's or an enum's own reason is left out, as
 * it quotes the value; so are suggestions of field names, as everywhere in the API. Used in place of
 * ValuesOfCorrectTypeRule by every transport (see `documentValidationRules`).
 */
export const literalValuesRule: ValidationRule = (context) => {
  const report = (place: Place, node: ASTNode, reason: string) => {
    contextsWithRefusedLiterals.add(context);
    context.reportError(new GraphQLError(`${describePlace(place)}: ${reason}`, { nodes: node }));
  };

  return {
    ListValue(...visit) {
      // TypeInfo already entered the list's item type: the type where the list stands is the parent's.
      const type = context.getParentInputType();
      if (!isListType(getNullableType(type))) {
        checkValue(type, visit[0], placeOf(visit), report);
        return false;
      }
      return undefined;
    },
    ObjectValue(...visit) {
      const [node] = visit;
      const type = getNamedType(context.getInputType());
      if (!isInputObjectType(type)) {
        checkValue(context.getInputType(), node, placeOf(visit), report);
        return false;
      }
      const given = new Set(node.fields.map((field) => field.name.value));
      for (const field of Object.values(type.getFields())) {
        if (!given.has(field.name) && isRequiredInputField(field)) {
          report(placeOf(visit), node, `Field "${type.name}.${field.name}" of required type "${String(field.type)}" was not provided.`);
        }
      }
      if (type.isOneOf) checkOneOf(type, node, given, placeOf(visit), report);
      return undefined;
    },
    ObjectField(...visit) {
      const [node] = visit;
      const parentType = getNamedType(context.getParentInputType());
      if (!context.getInputType() && isInputObjectType(parentType)) {
        report(containerOf(placeOf(visit)), node, `Field "${node.name.value}" is not defined by type "${parentType.name}".`);
      }
    },
    NullValue(...visit) {
      const type = context.getInputType();
      if (isNonNullType(type)) report(placeOf(visit), visit[0], `Expected a value of type "${String(type)}", found null.`);
    },
    EnumValue: (...visit) => checkValue(context.getInputType(), visit[0], placeOf(visit), report),
    IntValue: (...visit) => checkValue(context.getInputType(), visit[0], placeOf(visit), report),
    FloatValue: (...visit) => checkValue(context.getInputType(), visit[0], placeOf(visit), report),
    // Descriptions are string values too, but not visited by validation (graphql-js skips them).
    StringValue: (...visit) => checkValue(context.getInputType(), visit[0], placeOf(visit), report),
    BooleanValue: (...visit) => checkValue(context.getInputType(), visit[0], placeOf(visit), report),
  };
};

type Report = (place: Place, node: ASTNode, reason: string) => void;

/**
 * A literal where its type is a scalar or an enum, which decides whether it reads it (`parseLiteral`), or
 * where the type wants a list or an input object but the literal is not one.
 */
function checkValue(locationType: GraphQLInputType | null | undefined, node: ValueNode, place: Place, report: Report): void {
  if (!locationType) return;
  const type = getNamedType(locationType);
  if (!isLeafType(type)) {
    report(place, node, `Expected a value of type "${String(locationType)}", found ${kindOf(node)}.`);
    return;
  }
  let parsed: unknown;
  try {
    parsed = type.parseLiteral(node, undefined);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined)
    report(place, node, `Expected a value of type "${String(locationType)}", found ${kindOf(node)} that it cannot represent.`);
}

/** An input object that takes exactly one of its fields, not null (`@oneOf`); a field given twice counts once, as in graphql-js. */
function checkOneOf(type: GraphQLInputObjectType, node: ObjectValueNode, given: ReadonlySet<string>, place: Place, report: Report): void {
  if (given.size !== 1) {
    report(place, node, `OneOf Input Object "${type.name}" must specify exactly one key.`);
    return;
  }
  const [name] = given;
  if (node.fields.findLast((field) => field.name.value === name)?.value.kind === Kind.NULL) {
    report(place, node, `Field "${type.name}.${name}" must be non-null.`);
  }
}
