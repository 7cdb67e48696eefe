// The example values .env.example ships with. They have the right shape, so the
// format checks pass them and Slack would refuse them later, far from the cause;
// a .env copied and not filled in is refused here instead, naming the variable.

interface Placeholder {
  value: string;
  /** What to put there instead. */
  fix: string;
}

export const ENV_PLACEHOLDERS: Readonly<Record<string, Placeholder>> = {
  SLACK_BOT_TOKEN: { value: 'xoxb-your-bot-token', fix: 'copy the Bot User OAuth Token (xoxb-…) from your Slack app’s OAuth & Permissions page' },
  SLACK_SIGNING_SECRET: { value: 'your-signing-secret', fix: 'copy the Signing Secret from your Slack app’s Basic Information page' },
  JIT_AUDIT_CHANNEL: { value: 'C0123456789', fix: 'put the ID of your audit channel there (channel details → About) and invite the bot' },
  JIT_APPROVAL_CHANNEL: { value: 'C0123456789', fix: 'put the ID of your approvals channel there, or leave it empty to DM each approver' },
};

/** One `{key, line}` per variable still set to its .env.example value. */
export function placeholderProblems(env: NodeJS.ProcessEnv): { key: string; line: string }[] {
  return Object.entries(ENV_PLACEHOLDERS)
    .filter(([key, placeholder]) => env[key]?.trim() === placeholder.value)
    .map(([key, placeholder]) => ({ key, line: `${key} is still the placeholder from .env.example: ${placeholder.fix}` }));
}
