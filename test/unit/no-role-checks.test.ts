import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROLES } from '../../db/schema/index.js';

// "No route compares roles": permissions are asked of src/access/ (the CASL ability, its SQL scopes and
// the role constants and predicates there), never spelled out elsewhere. This scans every source file
// outside src/access/ with the TypeScript parser (so comments and words like 'username' never match) for
//
// - a comparison (===, !==, ==, !=) with `role` on either side, except against undefined or null (a
//   presence check, e.g. "was a role given in the patch");
// - a role name as a string literal: 'user', 'agent', 'admin' (also in backticks and in types), except
//   the entity name in `new NotFoundError('user', id)`, which names a kind of resource, not a role.

const root = join(import.meta.dirname, '..', '..');
const src = join(root, 'src');
const ACCESS = join(src, 'access');
const EXAMPLES = join(src, 'http', 'examples.ts');
const ROLE_NAMES = new Set<string>(ROLES);

/** Every place in `source` that spells a role out, as `line: text`. */
function roleChecks(source: string, fileName = 'sample.ts'): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const report = (node: ts.Node, why: string) => {
    const { line } = file.getLineAndCharacterOfPosition(node.getStart(file));
    found.push(`${line + 1}: ${why}: ${node.getText(file)}`);
  };
  const mentionsRole = (node: ts.Node): boolean =>
    (ts.isIdentifier(node) && node.text === 'role') || (ts.forEachChild(node, mentionsRole) ?? false);
  const isAbsent = (node: ts.Expression) => {
    let e = node;
    while (ts.isParenthesizedExpression(e)) e = e.expression;
    return e.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(e) && e.text === 'undefined');
  };
  const isEntityName = (node: ts.Node) => {
    const call = node.parent;
    return (
      call !== undefined &&
      ts.isNewExpression(call) &&
      call.expression.getText(file) === 'NotFoundError' &&
      call.arguments?.[0] === node
    );
  };
  // `'user'` is also a kind of principal or target (`actor: {type: 'user', …}`, `target: {type: 'user', id}`),
  // and OpenAPI examples show roles as data: neither decides anything by a role.
  const KIND = /(^|\.)(type|actorType|targetType)$/;
  const KIND_LIST = /TYPES$/;
  const textOf = (n: ts.Node) => n.getText(file).replace(/\?\./g, '.');
  /** The variable an expression is the value of, through parentheses, `?:`, `??`, `as` and `satisfies`. */
  const declaredAs = (node: ts.Node): string | null => {
    let n: ts.Node = node;
    while (
      n.parent &&
      (ts.isParenthesizedExpression(n.parent) ||
        ts.isConditionalExpression(n.parent) ||
        ts.isAsExpression(n.parent) ||
        ts.isSatisfiesExpression(n.parent) ||
        ts.isArrayLiteralExpression(n.parent) ||
        (ts.isBinaryExpression(n.parent) &&
          n.parent.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken))
    ) {
      n = n.parent;
    }
    return n.parent && ts.isVariableDeclaration(n.parent) ? n.parent.name.getText(file) : null;
  };
  const isKindOrExample = (node: ts.Node): boolean => {
    for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
      if (ts.isPropertyAssignment(n) && /^examples?$/.test(n.name.getText(file))) return true;
      if (ts.isVariableDeclaration(n) && /[eE]xample$/.test(n.name.getText(file))) return true;
    }
    const parent = node.parent;
    if (!parent) return false;
    if (ts.isPropertyAssignment(parent) && parent.initializer === node) {
      return KIND.test(parent.name.getText(file));
    }
    if (ts.isLiteralTypeNode(parent) && parent.parent && ts.isPropertySignature(parent.parent)) {
      return KIND.test(parent.parent.name.getText(file));
    }
    if (ts.isCaseClause(parent)) return KIND.test(textOf(parent.parent.parent.expression));
    if (ts.isBinaryExpression(parent)) {
      const other = parent.left === node ? parent.right : parent.left;
      if (KIND.test(textOf(other))) return true;
    }
    if (ts.isCallExpression(parent)) {
      if (textOf(parent.expression) === 'z.literal') return true;
      if (parent.arguments.some((a) => a !== node && KIND.test(textOf(a)))) return true;
    }
    const name = declaredAs(node);
    return name !== null && (KIND.test(name) || KIND_LIST.test(name));
  };
  const COMPARISONS = new Set([
    ts.SyntaxKind.EqualsEqualsEqualsToken,
    ts.SyntaxKind.ExclamationEqualsEqualsToken,
    ts.SyntaxKind.EqualsEqualsToken,
    ts.SyntaxKind.ExclamationEqualsToken,
  ]);

  const visit = (node: ts.Node): void => {
    if (
      ts.isBinaryExpression(node) &&
      COMPARISONS.has(node.operatorToken.kind) &&
      (mentionsRole(node.left) || mentionsRole(node.right)) &&
      !isAbsent(node.left) &&
      !isAbsent(node.right)
    ) {
      report(node, 'compares a role');
    }
    if (
      (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) &&
      ROLE_NAMES.has(node.text) &&
      !isEntityName(node) &&
      !isKindOrExample(node) &&
      !ts.isImportDeclaration(node.parent) &&
      !ts.isExportDeclaration(node.parent)
    ) {
      report(node, 'names a role');
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return path === ACCESS ? [] : sourceFiles(path);
    // The OpenAPI document's examples show roles as data a client sees; no code decides anything by them.
    if (path === EXAMPLES) return [];
    return /\.[cm]?tsx?$/.test(entry.name) ? [path] : [];
  });
}

describe('no role checks outside src/access/', () => {
  it('finds none in src/', () => {
    const files = sourceFiles(src);
    expect(files.length).toBeGreaterThan(20);
    const found = files.flatMap((path) =>
      roleChecks(readFileSync(path, 'utf8'), path).map((hit) => `${relative(root, path)}:${hit}`),
    );
    // Ask src/access/ instead: isStaffRole(role), isAdminRole(role), STAFF_ROLES, REQUESTER_ROLE,
    // ADMIN_ROLE, or an ability check.
    expect(found).toEqual([]);
  });

  it('catches role comparisons and role literals in a sample', () => {
    const sample = [
      "if (actor.role === 'admin') allow();",
      'if (role !== other) deny();',
      "const staff = inArray(users.role, ['agent', 'admin']);",
      'const admins = eq(users.role, `admin`);',
      "const fresh = { role: 'user' };",
      "const isStaff = (p: Person) => p.role != 'user';",
      "type Boss = 'admin';",
      "switch (kind) { case 'agent': break; }",
    ].join('\n');
    expect(roleChecks(sample)).toEqual([
      "1: compares a role: actor.role === 'admin'",
      "1: names a role: 'admin'",
      '2: compares a role: role !== other',
      "3: names a role: 'agent'",
      "3: names a role: 'admin'",
      '4: names a role: `admin`',
      "5: names a role: 'user'",
      "6: compares a role: p.role != 'user'",
      "6: names a role: 'user'",
      "7: names a role: 'admin'",
      "8: names a role: 'agent'",
    ]);
  });

  it('leaves alone what is not a role check', () => {
    const sample = [
      "throw new NotFoundError('user', id);",
      'if (patch.role !== undefined && query.role != null) go();',
      "const kind = 'User'; const field = 'username'; const word = 'users';",
      "// a comment may say role === 'admin'",
      "/** so may a doc comment: { role: 'agent' } */",
      'const ok = isStaffRole(actor.role) && ability.can("read", "Ticket");',
      "const who = { type: 'user', id }; if (actor.type === 'user') go(); const t = z.literal('user');",
      "switch (actor.type) { case 'user': break; } const ACTOR_TYPES = ['user', 'system'];",
      "interface U { readonly type: 'user' } const r = route({ example: { role: 'agent' } });",
    ].join('\n');
    expect(roleChecks(sample)).toEqual([]);
  });
});
