import { SecretsBox } from "../lib/secrets-box";
import { type AlertRules, rulesFrom } from "./rules";

/** A workspace's notification channels, secrets opened (never serialized out). */
export interface Channels {
  /** Slack incoming webhook URL: a credential (its path is the token). */
  slackUrl?: string;
  /** Generic webhook, signed with Standard Webhooks under `secret` (`whsec_…`). */
  webhook?: { url: string; secret: string };
}

interface Row {
  rules: string | null;
  channels: string | null;
  sealed_channels: string | null;
}

/**
 * Alert rules and channels of workspaces (`alert_settings`). The Slack URL and the webhook secret are
 * sealed with AES-GCM under `SECRETS_KEY`, like source secrets; the webhook URL is stored in clear.
 */
export class AlertSettingsStore {
  constructor(
    private readonly db: D1Database,
    private readonly secretsKey: string | undefined,
  ) {}

  /** The workspace's rules (the defaults until saved). */
  async rules(workspace: string): Promise<AlertRules> {
    const row = await this.row(workspace);
    return rulesFrom(row?.rules ? JSON.parse(row.rules) : {});
  }

  /** Replaces the workspace's rules. */
  async setRules(workspace: string, rules: AlertRules, now: number): Promise<void> {
    await this.db
      .prepare(
        `INSERT INTO alert_settings (workspace, rules, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (workspace) DO UPDATE SET rules = excluded.rules, updated_at = excluded.updated_at`,
      )
      .bind(workspace, JSON.stringify(rules), now)
      .run();
  }

  /** The workspace's channels with their secrets opened. @throws Error when SECRETS_KEY cannot open them */
  async channels(workspace: string): Promise<Channels> {
    const row = await this.row(workspace);
    if (!row?.sealed_channels) return {};
    const clear = JSON.parse(row.channels ?? "{}") as { webhookUrl?: string };
    const secrets = JSON.parse(
      await (await SecretsBox.fromEnv(this.secretsKey)).open(row.sealed_channels),
    ) as { slackUrl?: string; webhookSecret?: string };
    const out: Channels = {};
    if (secrets.slackUrl) out.slackUrl = secrets.slackUrl;
    if (clear.webhookUrl && secrets.webhookSecret)
      out.webhook = { url: clear.webhookUrl, secret: secrets.webhookSecret };
    return out;
  }

  /** Replaces the workspace's channels. @throws Error when SECRETS_KEY is missing or invalid */
  async setChannels(workspace: string, channels: Channels, now: number): Promise<void> {
    const sealed = await (await SecretsBox.fromEnv(this.secretsKey)).seal(
      JSON.stringify({ slackUrl: channels.slackUrl, webhookSecret: channels.webhook?.secret }),
    );
    await this.db
      .prepare(
        `INSERT INTO alert_settings (workspace, channels, sealed_channels, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (workspace) DO UPDATE SET channels = excluded.channels,
           sealed_channels = excluded.sealed_channels, updated_at = excluded.updated_at`,
      )
      .bind(workspace, JSON.stringify({ webhookUrl: channels.webhook?.url }), sealed, now)
      .run();
  }

  private row(workspace: string): Promise<Row | null> {
    return this.db
      .prepare("SELECT rules, channels, sealed_channels FROM alert_settings WHERE workspace = ?")
      .bind(workspace)
      .first<Row>();
  }
}
