// Block Kit validation as Slack's servers do it, so a message or modal that
// Slack would refuse fails in our tests instead of in production. Limits come
// from /work/shared/reference/slack.md; messages name the offending JSON path
// the way Slack's own `[json-pointer:/blocks/0/text/text]` errors do.

export type Surface = 'message' | 'modal' | 'home';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const MAX_BLOCKS: Record<Surface, number> = { message: 50, modal: 100, home: 100 };
const ID_MAX = 255;

// Element types Slack accepts; the rest of the catalogue is checked below.
const SELECTS = new Set([
  'static_select',
  'external_select',
  'users_select',
  'conversations_select',
  'channels_select',
  'multi_static_select',
  'multi_external_select',
  'multi_users_select',
  'multi_conversations_select',
  'multi_channels_select',
]);
const OTHER_ELEMENTS = new Set([
  'button',
  'overflow',
  'datepicker',
  'timepicker',
  'datetimepicker',
  'checkboxes',
  'radio_buttons',
  'plain_text_input',
  'number_input',
  'email_text_input',
  'url_text_input',
  'file_input',
  'rich_text_input',
  'image',
  'workflow_button',
]);
// Loosely checked: we never build these, but a valid one must not be refused.
const OPAQUE_BLOCKS = new Set(['rich_text', 'video', 'file', 'markdown']);

class Checker {
  readonly errors: string[] = [];
  fail(path: string, message: string): void {
    this.errors.push(`${path}: ${message}`);
  }

  /** An optional (or required) string with a maximum length. */
  string(v: unknown, path: string, max: number, required = false): void {
    if (v === undefined) {
      if (required) this.fail(path, 'is required');
      return;
    }
    if (typeof v !== 'string') return this.fail(path, 'must be a string');
    if (required && v.length === 0) return this.fail(path, 'must not be empty');
    if (v.length > max) this.fail(path, `must be at most ${max} characters (got ${v.length})`);
  }

  /** A composition text object: {type: plain_text|mrkdwn, text: 1..max chars}. */
  text(v: unknown, path: string, max: number, opts: { plainOnly?: boolean; required?: boolean } = {}): void {
    if (v === undefined) {
      if (opts.required) this.fail(path, 'is required');
      return;
    }
    if (!isObj(v)) return this.fail(path, 'must be a text object');
    if (v.type !== 'plain_text' && v.type !== 'mrkdwn') {
      return this.fail(`${path}/type`, `must be plain_text or mrkdwn (got ${JSON.stringify(v.type)})`);
    }
    if (opts.plainOnly && v.type !== 'plain_text') this.fail(`${path}/type`, 'must be plain_text');
    if (typeof v.text !== 'string') return this.fail(`${path}/text`, 'must be a string');
    if (v.text.length === 0) this.fail(`${path}/text`, 'must be at least 1 character');
    if (v.text.length > max) this.fail(`${path}/text`, `must be at most ${max} characters (got ${v.text.length})`);
  }

  /** An array with a size range; returns the array (or [] when invalid) for further checks. */
  list(v: unknown, path: string, min: number, max: number, what: string): unknown[] {
    if (!Array.isArray(v)) {
      this.fail(path, 'must be an array');
      return [];
    }
    if (v.length < min) this.fail(path, `must have at least ${min} ${what}`);
    if (v.length > max) this.fail(path, `must have at most ${max} ${what} (got ${v.length})`);
    return v;
  }
}

function option(c: Checker, v: unknown, path: string, plainOnly: boolean): void {
  if (!isObj(v)) return c.fail(path, 'must be an option object');
  c.text(v.text, `${path}/text`, 75, { plainOnly, required: true });
  c.string(v.value, `${path}/value`, 150, true);
  c.text(v.description, `${path}/description`, 75, { plainOnly });
  c.string(v.url, `${path}/url`, 3000);
}

/** Options of a select/checkbox/radio/overflow, returning their values so initial_option can be matched. */
function options(c: Checker, el: Obj, path: string, min: number, max: number, plainOnly: boolean): string[] {
  const all: unknown[] = [];
  if (el.option_groups !== undefined && el.type !== 'overflow') {
    c.list(el.option_groups, `${path}/option_groups`, 1, 100, 'option groups').forEach((g, i) => {
      const gp = `${path}/option_groups/${i}`;
      if (!isObj(g)) return c.fail(gp, 'must be an object');
      c.text(g.label, `${gp}/label`, 75, { plainOnly: true, required: true });
      c.list(g.options, `${gp}/options`, 1, 100, 'options').forEach((o, j) => {
        option(c, o, `${gp}/options/${j}`, plainOnly);
        all.push(o);
      });
    });
  } else {
    c.list(el.options, `${path}/options`, min, max, 'options').forEach((o, i) => {
      option(c, o, `${path}/options/${i}`, plainOnly);
      all.push(o);
    });
  }
  return all.filter(isObj).map((o) => String(o.value));
}

// Slack refuses an initial option that is not one of the offered options.
function initialOptions(c: Checker, el: Obj, path: string, values: string[]): void {
  const initial = el.initial_option !== undefined ? [el.initial_option] : el.initial_options;
  const key = el.initial_option !== undefined ? 'initial_option' : 'initial_options';
  if (initial === undefined) return;
  if (!Array.isArray(initial)) return c.fail(`${path}/${key}`, 'must be an array');
  initial.forEach((o) => {
    if (!isObj(o) || !values.includes(String(o.value))) c.fail(`${path}/${key}`, 'must match one of the options');
  });
}

function confirm(c: Checker, v: unknown, path: string): void {
  if (!isObj(v)) return c.fail(path, 'must be a confirmation dialog object');
  c.text(v.title, `${path}/title`, 100, { plainOnly: true, required: true });
  c.text(v.text, `${path}/text`, 300, { required: true });
  c.text(v.confirm, `${path}/confirm`, 30, { plainOnly: true, required: true });
  c.text(v.deny, `${path}/deny`, 30, { plainOnly: true, required: true });
}

function element(c: Checker, el: unknown, path: string, actionIds?: Set<string>): void {
  if (!isObj(el)) return c.fail(path, 'must be an element object');
  const type = String(el.type);
  if (!SELECTS.has(type) && !OTHER_ELEMENTS.has(type)) return c.fail(`${path}/type`, `unsupported element type "${type}"`);
  if (type === 'image') {
    if (el.image_url === undefined && el.slack_file === undefined) c.fail(path, 'needs image_url or slack_file');
    c.string(el.image_url, `${path}/image_url`, 3000);
    c.string(el.alt_text, `${path}/alt_text`, 2000, true);
    return;
  }
  c.string(el.action_id, `${path}/action_id`, ID_MAX);
  if (typeof el.action_id === 'string' && actionIds) {
    if (actionIds.has(el.action_id)) c.fail(`${path}/action_id`, `duplicate action_id "${el.action_id}"`);
    actionIds.add(el.action_id);
  }
  c.text(el.placeholder, `${path}/placeholder`, 150, { plainOnly: true });
  if (el.confirm !== undefined) confirm(c, el.confirm, `${path}/confirm`);
  if (type === 'button') {
    c.text(el.text, `${path}/text`, 75, { plainOnly: true, required: true });
    c.string(el.value, `${path}/value`, 2000);
    c.string(el.url, `${path}/url`, 3000);
    if (el.style !== undefined && el.style !== 'primary' && el.style !== 'danger') {
      c.fail(`${path}/style`, 'must be primary or danger');
    }
  } else if (type === 'static_select' || type === 'multi_static_select') {
    initialOptions(c, el, path, options(c, el, path, 1, 100, true));
  } else if (type === 'checkboxes' || type === 'radio_buttons') {
    initialOptions(c, el, path, options(c, el, path, 1, 10, false));
  } else if (type === 'overflow') {
    options(c, el, path, 2, 5, true);
  } else if (type === 'plain_text_input') {
    c.string(el.initial_value, `${path}/initial_value`, 3000);
    for (const k of ['min_length', 'max_length'] as const) {
      const n = el[k];
      if (n !== undefined && (typeof n !== 'number' || n < 0 || n > 3000)) c.fail(`${path}/${k}`, 'must be a number 0..3000');
    }
  }
}

function block(c: Checker, b: unknown, path: string, blockIds: Set<string>): boolean {
  if (!isObj(b)) {
    c.fail(path, 'must be a block object');
    return false;
  }
  c.string(b.block_id, `${path}/block_id`, ID_MAX);
  if (typeof b.block_id === 'string') {
    if (blockIds.has(b.block_id)) c.fail(`${path}/block_id`, `duplicate block_id "${b.block_id}"`);
    blockIds.add(b.block_id);
  }
  switch (b.type) {
    case 'section':
      if (b.text === undefined && b.fields === undefined) c.fail(path, 'section needs text or fields');
      c.text(b.text, `${path}/text`, 3000);
      if (b.fields !== undefined) {
        c.list(b.fields, `${path}/fields`, 1, 10, 'fields').forEach((f, i) => c.text(f, `${path}/fields/${i}`, 2000, { required: true }));
      }
      if (b.accessory !== undefined) element(c, b.accessory, `${path}/accessory`);
      break;
    case 'header':
      c.text(b.text, `${path}/text`, 150, { plainOnly: true, required: true });
      break;
    case 'divider':
      break;
    case 'context':
      c.list(b.elements, `${path}/elements`, 1, 10, 'elements').forEach((e, i) => {
        const ep = `${path}/elements/${i}`;
        if (isObj(e) && e.type === 'image') element(c, e, ep);
        else c.text(e, ep, 3000, { required: true });
      });
      break;
    case 'actions': {
      const ids = new Set<string>();
      c.list(b.elements, `${path}/elements`, 1, 25, 'elements').forEach((e, i) => element(c, e, `${path}/elements/${i}`, ids));
      break;
    }
    case 'input':
      c.text(b.label, `${path}/label`, 2000, { plainOnly: true, required: true });
      c.text(b.hint, `${path}/hint`, 2000, { plainOnly: true });
      if (b.element === undefined) c.fail(`${path}/element`, 'is required');
      else element(c, b.element, `${path}/element`);
      return true;
    case 'image':
      c.string(b.alt_text, `${path}/alt_text`, 2000, true);
      c.text(b.title, `${path}/title`, 2000, { plainOnly: true });
      break;
    default:
      if (!OPAQUE_BLOCKS.has(String(b.type))) c.fail(`${path}/type`, `unsupported block type "${String(b.type)}"`);
  }
  return false;
}

function checkBlocks(c: Checker, blocks: unknown, surface: Surface, base: string): { hasInput: boolean } {
  const ids = new Set<string>();
  let hasInput = false;
  c.list(blocks, base, 0, MAX_BLOCKS[surface], 'blocks').forEach((b, i) => {
    if (block(c, b, `${base}/${i}`, ids)) hasInput = true;
  });
  return { hasInput };
}

/** Every reason Slack would refuse these blocks on this surface; [] means valid. */
export function validateBlocks(blocks: unknown, surface: Surface, base = '/blocks'): string[] {
  const c = new Checker();
  checkBlocks(c, blocks, surface, base);
  return c.errors;
}

/** Every reason Slack would refuse this view (views.open/update/push/publish); [] means valid. */
export function validateView(view: unknown, base = '/view'): string[] {
  const c = new Checker();
  if (!isObj(view)) return [`${base}: must be a view object`];
  if (view.type !== 'modal' && view.type !== 'home') {
    c.fail(`${base}/type`, `must be modal or home (got ${JSON.stringify(view.type)})`);
    return c.errors;
  }
  const { hasInput } = checkBlocks(c, view.blocks, view.type, `${base}/blocks`);
  if (view.type === 'modal') {
    c.text(view.title, `${base}/title`, 24, { plainOnly: true, required: true });
    c.text(view.submit, `${base}/submit`, 24, { plainOnly: true });
    c.text(view.close, `${base}/close`, 24, { plainOnly: true });
    // Slack cannot submit a modal without a submit button, so it refuses input blocks without one.
    if (hasInput && view.submit === undefined) c.fail(`${base}/submit`, 'is required when the modal has input blocks');
  }
  c.string(view.callback_id, `${base}/callback_id`, ID_MAX);
  c.string(view.external_id, `${base}/external_id`, ID_MAX);
  c.string(view.private_metadata, `${base}/private_metadata`, 3000);
  return c.errors;
}
