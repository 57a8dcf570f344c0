// Stands in for the `generate-function` package in the Worker bundle (wrangler.toml [alias]).
// mysql2 builds its row parsers with it (`new Function` from generated source) unless the connection has
// `disableEval: true`, which src/database.ts sets for Workers, where workerd refuses code generation from
// strings anyway. Aliasing it keeps that code out of the bundle; if anything ever reached it, the error
// says why instead of an opaque EvalError.
module.exports = function generateFunction() {
  throw new Error(
    'generate-function is not available on Workers: code generation from strings is forbidden there ' +
      '(mysql2 must be used with disableEval: true)',
  );
};
