// One Bolt listener per kind of request, routing by id. Bolt runs every request
// through every registered listener's middleware (copying the arguments each
// time), so its routing cost grows with the number of listeners: the bot's ~15
// cost more than the rest of Bolt's work on an ack. The register functions add
// their handlers here, by the same calls they would make on a Bolt `App`; then
// `install` adds one catch-all listener per kind (command, action, options,
// view) that looks the id up in a map, and one per event name (Bolt matches an
// event's name itself; the bot handles one event).
//
// A handler gets exactly the arguments Bolt gives a listener. A request no
// handler matches is left alone, as Bolt leaves it: not acked (Slack shows the
// user an error instead of the bot silently swallowing a click).

import type {
  AllMiddlewareArgs,
  App,
  Middleware,
  OptionsSource,
  SlackAction,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackEventMiddlewareArgs,
  SlackOptionsMiddlewareArgs,
  SlackViewAction,
  SlackViewMiddlewareArgs,
} from '@slack/bolt';

/**
 * The part of Bolt's `App` the register functions use, by string id only. A
 * Bolt `App` is one too: a test can register a single handler straight on it.
 */
export interface Listeners {
  command(name: string, listener: Middleware<SlackCommandMiddlewareArgs>): void;
  action<A extends SlackAction = SlackAction>(id: string | { action_id: string; type: A['type'] }, listener: Middleware<SlackActionMiddlewareArgs<A>>): void;
  options<S extends OptionsSource = 'block_suggestion'>(actionId: string, listener: Middleware<SlackOptionsMiddlewareArgs<S>>): void;
  view<V extends SlackViewAction = SlackViewAction>(callbackId: string, listener: Middleware<SlackViewMiddlewareArgs<V>>): void;
  event<E extends string>(name: E, listener: Middleware<SlackEventMiddlewareArgs<E>>): void;
}

type AnyArgs = AllMiddlewareArgs & { payload: unknown; body: unknown };
type Handler = (args: AnyArgs) => Promise<void>;
/** An action handler; `type` set: only for bodies of that type (Bolt's `{ action_id, type }` constraint). */
type ActionRoute = { handler: Handler; type?: string };

/** Matches every command name; the name is looked up in the map. `test` never throws and sets nothing on the context. */
const ANY_COMMAND = /^/;

export class ListenerRouter implements Listeners {
  // Keyed by the registered string ids; looked up with whatever the payload carries (a non-string misses).
  private readonly commands = new Map<unknown, Handler>();
  private readonly actions = new Map<unknown, ActionRoute>();
  private readonly suggestions = new Map<unknown, Handler>();
  private readonly submissions = new Map<unknown, Handler>();
  private readonly events = new Map<string, Handler>();
  private installed = false;

  command(name: string, listener: Middleware<SlackCommandMiddlewareArgs>): void {
    this.add(this.commands, 'command', name, listener as unknown as Handler);
  }

  action<A extends SlackAction = SlackAction>(id: string | { action_id: string; type: A['type'] }, listener: Middleware<SlackActionMiddlewareArgs<A>>): void {
    const handler = listener as unknown as Handler;
    if (typeof id === 'string') this.add(this.actions, 'action', id, { handler });
    else this.add(this.actions, 'action', id.action_id, { handler, type: id.type });
  }

  options<S extends OptionsSource = 'block_suggestion'>(actionId: string, listener: Middleware<SlackOptionsMiddlewareArgs<S>>): void {
    this.add(this.suggestions, 'options', actionId, listener as unknown as Handler);
  }

  view<V extends SlackViewAction = SlackViewAction>(callbackId: string, listener: Middleware<SlackViewMiddlewareArgs<V>>): void {
    this.add(this.submissions, 'view', callbackId, listener as unknown as Handler);
  }

  event<E extends string>(name: E, listener: Middleware<SlackEventMiddlewareArgs<E>>): void {
    this.add(this.events, 'event', name, listener as unknown as Handler);
  }

  /** Adds the Bolt listeners; once, after every handler is registered (a handler added later would be lost). */
  install(app: App): void {
    if (this.installed) throw new Error('the Slack listener router is installed already');
    this.installed = true;
    // Each lookup reads the id where Bolt's own matchers (matchCommandName, matchConstraints) read it.
    const { commands, actions, suggestions, submissions, events } = this;
    if (commands.size > 0) app.command(ANY_COMMAND, (args) => route(commands.get(args.command.command), args));
    if (actions.size > 0) {
      app.action({}, (args) => {
        const found = actions.get(actionIdOf(args.payload));
        return route(found !== undefined && (found.type === undefined || found.type === args.body.type) ? found.handler : undefined, args);
      });
    }
    if (suggestions.size > 0) app.options({}, (args) => route(suggestions.get(actionIdOf(args.payload)), args));
    // A view handler registered by callback_id answers submissions only (Bolt's `view(callbackId)` adds type view_submission).
    if (submissions.size > 0) {
      app.view({}, (args) => route(args.body.type === 'view_submission' ? submissions.get(callbackIdOf(args.body)) : undefined, args));
    }
    for (const [name, handler] of events) app.event(name, handler as unknown as Middleware<SlackEventMiddlewareArgs>);
  }

  private add<T>(routes: Map<unknown, T>, kind: string, id: string, route: T): void {
    if (this.installed) throw new Error(`a Slack ${kind} handler for ${JSON.stringify(id)} added after the router was installed`);
    // Two handlers for one id would both run under Bolt, each acking: a mistake in the code, refused at start-up.
    if (routes.has(id)) throw new Error(`two Slack ${kind} handlers for ${JSON.stringify(id)}`);
    routes.set(id, route);
  }
}

/** No handler: nothing runs and nothing is acked, as when no Bolt listener matches. */
function route(handler: Handler | undefined, args: unknown): Promise<void> {
  return handler === undefined ? Promise.resolve() : handler(args as AnyArgs);
}

/** A block action's or suggestion's `action_id`; anything else misses every string key. */
function actionIdOf(payload: unknown): unknown {
  return typeof payload === 'object' && payload !== null ? (payload as { action_id?: unknown }).action_id : undefined;
}

/** As Bolt's matchConstraints reads it: the view's callback_id, or the body's own when it has no view. */
function callbackIdOf(body: { view?: { callback_id?: unknown }; callback_id?: unknown }): unknown {
  return body.view !== undefined ? body.view.callback_id : body.callback_id;
}
