// Top-level audit lines for events of the bot itself: drift is an `@here`
// alert; a policy change from Slack is a plain line naming the admin and the
// change; an overlay entry that is not applied is a warning, not an alert.

import { describe, expect, it } from 'vitest';
import type { SystemEvent } from '../../../src/domain/types.js';
import { systemEventText } from '../../../src/slack/blocks/audit.js';
import { HOSTILE, T0, hostileIsInert } from './fixtures.js';

const event = (name: SystemEvent['name'], detail: string, actor = 'UADMIN'): SystemEvent => ({ name, actor, at: T0, detail });

describe('systemEventText', () => {
  it('vmEnabled_namesTheAdminAndThePorts_withoutAlertingTheChannel', () => {
    const text = systemEventText(event('policy.vm_enabled', 'enabled JIT on web-3: 22/TCP from any source, up to 3h'));
    expect(text).toMatch(/^:gear: <@UADMIN> enabled JIT on web-3: 22\/TCP from any source, up to 3h · <!date\^\d+\^/);
    expect(text).not.toContain('<!here>');
  });

  it('vmChanged_showsBeforeAndAfter', () => {
    expect(systemEventText(event('policy.vm_changed', 'changed web-1: 22/TCP: up to 3h → up to 1h'))).toMatch(
      /^:gear: <@UADMIN> changed web-1: 22\/TCP: up to 3h → up to 1h · /,
    );
  });

  it('overlayNotApplied_isAWarningLine_notAnAlert', () => {
    const text = systemEventText(event('policy.overlay_not_applied', 'the Slack edit of web-9 … is NOT applied', 'system'));
    expect(text).toMatch(/^:warning: Policy: the Slack edit of web-9 … is NOT applied · /);
    expect(text).not.toContain('<!here>');
  });

  it('drift_isStillAnAlert', () => {
    expect(systemEventText(event('drift.orphan_closed', 'closed', 'system'))).toMatch(/^<!here> :warning: Drift repaired: closed/);
  });

  it('hostileDetail_isInert', () => {
    expect(hostileIsInert(systemEventText(event('policy.vm_changed', HOSTILE)))).toBe(true);
  });
});
