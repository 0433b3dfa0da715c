// prismaSchema and drizzleSchema describe exactly the tables migrate() creates. The expectations are
// read off schemaSql's own DDL here, so a column, index or table added to schema.ts that the emitters
// leave out (or describe with other nullability or keys) fails these tests.
import { describe, expect, it } from 'vitest';
import { drizzleSchema, prismaSchema, schemaSql, type SchemaOptions } from '@scim/sql';

interface DdlColumn {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
  readonly primaryKey: boolean;
}
interface DdlIndex {
  readonly name: string;
  readonly columns: readonly string[];
  readonly unique: boolean;
}
interface DdlTable {
  readonly name: string;
  readonly columns: DdlColumn[];
  readonly indexes: DdlIndex[];
  /** Indexes on an expression (a call or a parenthesised one), as the DDL writes it. */
  readonly expressions: { readonly name: string; readonly expression: string }[];
  /** A table-level primary key over several columns (PostgreSQL's `(tenant, seq)`). */
  primaryKey?: readonly string[];
}

/** The tables of schemaSql's statements: CREATE TABLE (with MySQL's inline keys) and CREATE INDEX. */
function parseDdl(statements: readonly string[]): DdlTable[] {
  const tables = new Map<string, DdlTable>();
  for (const statement of statements) {
    const table = /^CREATE TABLE IF NOT EXISTS (\w+) \(([\s\S]*)\)/.exec(statement);
    if (table !== null) {
      const parsed: DdlTable = { name: table[1]!, columns: [], indexes: [], expressions: [] };
      for (const line of table[2]!.split(',\n').map((item) => item.trim())) {
        const tableKey = /^PRIMARY KEY \((.*)\)$/.exec(line);
        if (tableKey !== null) {
          parsed.primaryKey = tableKey[1]!.split(', ');
          continue;
        }
        const key = /^(UNIQUE )?KEY (\w+) \((.*)\)$/.exec(line);
        if (key !== null) {
          parsed.indexes.push({ name: key[2]!, columns: key[3]!.split(', '), unique: !!key[1] });
          continue;
        }
        const [name, ...rest] = line.split(' ');
        const definition = rest.join(' ');
        parsed.columns.push({
          name: name!,
          type: definition.replace(/ (NOT NULL|PRIMARY KEY|COLLATE|AUTO|GENERATED).*$/, ''),
          nullable: !/NOT NULL|PRIMARY KEY/.test(definition),
          primaryKey: definition.includes('PRIMARY KEY'),
        });
      }
      tables.set(parsed.name, parsed);
      continue;
    }
    const index = /^CREATE (UNIQUE )?INDEX IF NOT EXISTS (\w+) ON (\w+) \((.*)\)$/.exec(statement);
    if (index !== null && /^\w*\(.*\)$/.test(index[4]!)) {
      tables.get(index[3]!)!.expressions.push({ name: index[2]!, expression: index[4]! });
      continue;
    }
    if (index !== null)
      tables
        .get(index[3]!)!
        .indexes.push({ name: index[2]!, columns: index[4]!.split(', '), unique: !!index[1] });
  }
  return [...tables.values()];
}

const camel = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
/** `user_name(191)` → the column name, and its prefix length. */
const keyPart = (part: string) => /^(\w+)(?:\((\d+)\))?$/.exec(part)!.slice(1) as [string, string?];

const CASES: readonly {
  label: string;
  dialect: 'sqlite' | 'postgres' | 'mysql';
  options: SchemaOptions;
}[] = [
  { label: 'sqlite', dialect: 'sqlite', options: {} },
  { label: 'postgres', dialect: 'postgres', options: {} },
  { label: 'mysql', dialect: 'mysql', options: {} },
  { label: 'mariadb', dialect: 'mysql', options: { mysqlCollation: 'utf8mb4_nopad_bin' } },
  { label: 'postgres with tablePrefix', dialect: 'postgres', options: { tablePrefix: 'idp_' } },
];

/** The model whose `@@map` names the table. */
function prismaModel(schema: string, table: string): string {
  const model = schema.split(/\n(?=model )/).find((block) => block.includes(`@@map("${table}")`));
  expect(model, `a Prisma model mapped to ${table}`).toBeDefined();
  return model!.slice(0, model!.indexOf('\n}') + 2);
}

/** The `xTable('name', …)` call of the Drizzle module. */
function drizzleTable(module: string, table: string): string {
  const start = module.indexOf(`  '${table}',\n`);
  expect(start, `a Drizzle table named ${table}`).toBeGreaterThan(0);
  return module.slice(start, module.indexOf('\n);', start));
}

for (const { label, dialect, options } of CASES) {
  const tables = parseDdl(schemaSql(dialect, options));

  describe(`emit (${label})`, () => {
    it('the DDL has the tables these tests hold the emitters to', () => {
      // Guards the parser above: without tables and columns every other test here would pass.
      expect(tables.length).toBeGreaterThanOrEqual(6);
      expect(tables.every((table) => table.columns.length > 0)).toBe(true);
      expect(tables.flatMap((table) => table.indexes).length).toBeGreaterThanOrEqual(10);
    });

    it('Prisma: a model per table, a field per column (nullability, @id) and every index by its name', () => {
      const schema = prismaSchema(dialect, options);
      for (const table of tables) {
        const model = prismaModel(schema, table.name);
        const fields = model.split('\n').map((line) => line.trim());
        for (const column of table.columns) {
          const field = fields.find(
            (line) =>
              line.includes(`@map("${column.name}")`) ||
              (camel(column.name) === column.name && line.startsWith(`${column.name} `)),
          );
          expect(field, `${table.name}.${column.name}`).toBeDefined();
          const type = field!.split(/\s+/)[1]!;
          expect(type.endsWith('?'), `${table.name}.${column.name} nullable`).toBe(column.nullable);
          expect(field!.includes('@id'), `${table.name}.${column.name} @id`).toBe(
            column.primaryKey,
          );
        }
        if (table.primaryKey !== undefined)
          expect(model).toContain(`@@id([${table.primaryKey.map(camel).join(', ')}])`);
        const fieldCount = fields.filter(
          (line) => /^\w+\s+\w+\??(\s|$)/.test(line) && !line.startsWith('model '),
        ).length;
        expect(fieldCount, `${table.name} has no field beyond its columns`).toBe(
          table.columns.length,
        );
        for (const index of table.indexes) {
          const parts = index.columns.map((part) => {
            const [name, length] = keyPart(part);
            return length === undefined ? camel(name) : `${camel(name)}(length: ${length})`;
          });
          expect(model).toContain(
            `@@${index.unique ? 'unique' : 'index'}([${parts.join(', ')}], map: "${index.name}")`,
          );
        }
      }
    });

    it('Drizzle: a table per table, a builder per column (notNull, primaryKey) and every index by its name', () => {
      const module = drizzleSchema(dialect, options);
      for (const table of tables) {
        const body = drizzleTable(module, table.name);
        for (const column of table.columns) {
          const line = body.split('\n').find((text) => text.includes(`('${column.name}'`));
          expect(line, `${table.name}.${column.name}`).toBeDefined();
          expect(line!.trim().startsWith(`${camel(column.name)}: `)).toBe(true);
          expect(
            line!.includes('.notNull()') || column.primaryKey,
            `${table.name}.${column.name} NOT NULL`,
          ).toBe(!column.nullable);
          expect(line!.includes('.primaryKey('), `${table.name}.${column.name} PRIMARY KEY`).toBe(
            column.primaryKey,
          );
        }
        if (table.primaryKey !== undefined)
          expect(body).toContain(
            `primaryKey({ columns: [${table.primaryKey.map((name) => `table.${camel(name)}`).join(', ')}] })`,
          );
        const builders = body.split('\n').filter((text) => /^\s+\w+: \w+\('/.test(text)).length;
        expect(builders, `${table.name} has no builder beyond its columns`).toBe(
          table.columns.length,
        );
        for (const index of table.indexes) {
          const parts = index.columns.map((part) => {
            const [name, length] = keyPart(part);
            return length === undefined
              ? `table.${camel(name)}`
              : `sql\`\${table.${camel(name)}}(${length})\``;
          });
          expect(body).toContain(
            `${index.unique ? 'uniqueIndex' : 'index'}('${index.name}').on(${parts.join(', ')})`,
          );
        }
      }
    });

    it('an index on an expression: Drizzle declares it as migrate() writes it, Prisma lists its statement', () => {
      const schema = prismaSchema(dialect, options);
      const module = drizzleSchema(dialect, options);
      const expressions = tables.flatMap((table) =>
        table.expressions.map((index) => ({ table: table.name, ...index })),
      );
      // Migration 5's request-id index of the outbox, on SQLite and PostgreSQL.
      expect(expressions.length > 0).toBe(dialect !== 'mysql');
      for (const { table, name, expression } of expressions) {
        expect(drizzleTable(module, table)).toContain(`index('${name}').on(sql\`${expression}\`)`);
        expect(module).toContain("import { sql } from 'drizzle-orm';");
        expect(schema).toContain(
          `//   CREATE INDEX IF NOT EXISTS ${name} ON ${table} (${expression});`,
        );
        // Never as a column index, which would index other columns than the storage reads.
        expect(prismaModel(schema, table)).not.toContain(`map: "${name}"`);
      }
    });

    it('both carry the column types of the DDL', () => {
      const schema = prismaSchema(dialect, options);
      const module = drizzleSchema(dialect, options);
      for (const table of tables)
        for (const column of table.columns) {
          const field = prismaModel(schema, table.name)
            .split('\n')
            .find((line) => new RegExp(`^\\s+${camel(column.name)}\\s`).test(line))!;
          const builder = drizzleTable(module, table.name)
            .split('\n')
            .find((line) => line.includes(`('${column.name}'`))!;
          const where = `${table.name}.${column.name} (${column.type})`;
          const type = column.type.toUpperCase();
          if (/^(VARCHAR|CHAR)\((\d+)\)$/.test(type)) {
            const [, kind, length] = /^(\w+)\((\d+)\)$/.exec(type)!;
            expect(field, where).toContain(
              `@db.${kind === 'CHAR' ? 'Char' : 'VarChar'}(${length})`,
            );
            expect(module, where).toMatch(
              new RegExp(`'${kind!.toLowerCase()}\\(${length}\\) CHARACTER SET`),
            );
          } else if (type === 'LONGTEXT') {
            expect(field, where).toContain('@db.LongText');
          } else if (type === 'SMALLINT') {
            expect(builder, where).toMatch(/^\s+\w+: smallint\('/);
            if (dialect !== 'sqlite') expect(field, where).toContain('@db.SmallInt');
          } else if (
            type === 'BIGINT' ||
            (type === 'INTEGER' && dialect === 'sqlite' && !column.primaryKey)
          ) {
            // Milliseconds exceed Prisma's 32-bit Int.
            expect(field, where).toMatch(/\sBigInt\??(\s|$)/);
          } else if (type === 'TEXT' && dialect === 'mysql') {
            expect(field, where).toContain('@db.Text');
          }
        }
    });
  });
}

describe('emit: collations SCIM comparisons need', () => {
  it('PostgreSQL: Drizzle declares COLLATE "C" on exactly the DDL\'s collated columns; Prisma lists ALTERs for them', () => {
    const collated = schemaSql('postgres')
      .flatMap((statement) => [...statement.matchAll(/\n {2}(\w+) TEXT COLLATE "C"/g)])
      .map((match) => match[1]);
    const module = drizzleSchema('postgres');
    expect(module).toContain(`dataType: () => 'text COLLATE "C"'`);
    const drizzleCollated = [...module.matchAll(/codePointText\('(\w+)'\)/g)].map((m) => m[1]);
    expect(drizzleCollated.sort()).toEqual([...collated].sort());
    const alters = [
      ...prismaSchema('postgres').matchAll(/ALTER COLUMN "(\w+)" TYPE TEXT COLLATE "C"/g),
    ];
    expect(alters.map((m) => m[1]).sort()).toEqual([...collated].sort());
  });

  it('MariaDB: the nopad collation given to schemaSql is the one both emitters declare', () => {
    const options = { mysqlCollation: 'utf8mb4_nopad_bin' };
    const drizzle = drizzleSchema('mysql', options);
    const prisma = prismaSchema('mysql', options);
    expect(drizzle).not.toContain('0900');
    expect(prisma).not.toContain('0900');
    const strings = schemaSql('mysql', options)
      .join('\n')
      .match(/\n {2}\w+ (VARCHAR|CHAR|TEXT|LONGTEXT)/g)!;
    expect([...drizzle.matchAll(/COLLATE utf8mb4_nopad_bin'/g)].length).toBeGreaterThan(0);
    expect([...drizzle.matchAll(/: binary\w+\('/g)].length).toBe(strings.length);
    for (const table of parseDdl(schemaSql('mysql', options)))
      expect(prisma).toContain(
        `ALTER TABLE \`${table.name}\` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin;`,
      );
  });

  it('SQLite needs none: its text compares by code point already', () => {
    expect(prismaSchema('sqlite')).not.toContain('ALTER');
    expect(drizzleSchema('sqlite')).not.toContain('COLLATE');
  });
});

describe('emit: names', () => {
  it('a tablePrefix names every table and index, and no default name is left', () => {
    for (const text of [
      prismaSchema('mysql', { tablePrefix: 'idp_' }),
      drizzleSchema('mysql', { tablePrefix: 'idp_' }),
    ]) {
      expect(text).not.toMatch(/scim_/);
      expect(text).toContain('idp_resources');
      expect(text).toContain('idp_unique_values_value');
    }
    expect(prismaSchema('sqlite', { tablePrefix: 'idp_' })).toContain('model IdpResources {');
    expect(drizzleSchema('sqlite', { tablePrefix: 'idp_' })).toContain(
      'export const idpResources = sqliteTable(',
    );
  });

  it('Prisma keeps a table without a unique key out of the client only (@@ignore), never out of migrations', () => {
    const model = prismaModel(prismaSchema('postgres'), 'scim_emails');
    expect(model).toContain('@@ignore');
    expect(prismaModel(prismaSchema('postgres'), 'scim_resources')).not.toContain('@@ignore');
  });

  it('refuses a prefix that could not be a table name, as schemaSql does', () => {
    expect(() => prismaSchema('postgres', { tablePrefix: 'x"; DROP' })).toThrow(TypeError);
    expect(() => drizzleSchema('postgres', { tablePrefix: 'Bad-Prefix' })).toThrow(TypeError);
  });
});
