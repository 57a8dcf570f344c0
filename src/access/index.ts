import { requireActor, type ServiceContext } from '../context.js';
import { type AppAbility, defineAbilityFor } from './ability.js';

export * from './ability.js';
export * from './api-key-scopes.js';
export * from './roles.js';
export * from './scopes.js';

const cache = new WeakMap<object, AppAbility>();

/** The ability of the context's actor, built once per request. */
export function abilityOf(ctx: ServiceContext): AppAbility {
  const actor = requireActor(ctx);
  let ability = cache.get(actor);
  if (!ability) {
    ability = defineAbilityFor(actor);
    cache.set(actor, ability);
  }
  return ability;
}
