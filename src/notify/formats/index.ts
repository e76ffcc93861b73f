// One formatter per target type.
import type { Formatter, TargetType } from '../types.js';
import { discord } from './discord.js';
import { googlechat } from './googlechat.js';
import { mattermost } from './mattermost.js';
import { pagerduty } from './pagerduty.js';
import { slack } from './slack.js';
import { teams } from './teams.js';
import { webhook } from './webhook.js';

export const formatters: Record<TargetType, Formatter> = { slack, mattermost, teams, discord, googlechat, pagerduty, webhook };
