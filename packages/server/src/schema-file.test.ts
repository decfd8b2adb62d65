import fs from 'node:fs/promises';
import {
  type GraphQLNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isSpecifiedScalarType,
  isIntrospectionType,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildAppSchema } from './app.js';
import { printApiSchema, schemaFilePath } from './schema-file.js';

describe('the API schema', () => {
  it('matches the committed schema.graphql (run `pnpm --filter @bam/server schema` after changing the API)', async () => {
    expect(await fs.readFile(schemaFilePath, 'utf8')).toBe(await printApiSchema());
  });

  it('describes every type, field, argument and enum value, so the playground documents the API', async () => {
    const schema = await buildAppSchema();
    const undocumented: string[] = [];
    const check = (description: string | null | undefined, where: string) => {
      if (!description?.trim()) undocumented.push(where);
    };
    const ownTypes = Object.values(schema.getTypeMap()).filter(
      (type: GraphQLNamedType) => !isIntrospectionType(type) && !isSpecifiedScalarType(type),
    );
    for (const type of ownTypes) {
      check(type.description, type.name);
      if (isObjectType(type) || isInterfaceType(type)) {
        for (const field of Object.values(type.getFields())) {
          check(field.description, `${type.name}.${field.name}`);
          for (const argument of field.args) check(argument.description, `${type.name}.${field.name}(${argument.name})`);
        }
      }
      if (isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) check(field.description, `${type.name}.${field.name}`);
      }
      if (isEnumType(type)) {
        for (const value of type.getValues()) check(value.description, `${type.name}.${value.name}`);
      }
    }
    expect(undocumented).toEqual([]);
  });
});
