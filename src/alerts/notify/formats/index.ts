// One formatter per target type, for an incident and for a storm digest.
import type { DigestFormatter, Formatter, TargetType } from '../types.js';
import { discord, discordDigest } from './discord.js';
import { googlechat, googlechatDigest } from './googlechat.js';
import { mattermost, mattermostDigest } from './mattermost.js';
import { pagerduty, pagerdutyDigest } from './pagerduty.js';
import { slack, slackDigest } from './slack.js';
import { teams, teamsDigest } from './teams.js';
import { webhook, webhookDigest } from './webhook.js';

export const formatters: Record<TargetType, Formatter> = { slack, mattermost, teams, discord, googlechat, pagerduty, webhook };
export const digestFormatters: Record<TargetType, DigestFormatter> = {
  slack: slackDigest,
  mattermost: mattermostDigest,
  teams: teamsDigest,
  discord: discordDigest,
  googlechat: googlechatDigest,
  pagerduty: pagerdutyDigest,
  webhook: webhookDigest,
};
