import { z } from 'zod';

/** `online` is routed automatically and may claim; `away` may only claim; `offline` neither. */
export const agentStatuses = ['online', 'away', 'offline'] as const;
export const agentStatusSchema = z.enum(agentStatuses);
export type AgentStatus = z.infer<typeof agentStatusSchema>;

export const defaultCapacity = 3;
export const minCapacity = 1;
export const maxCapacity = 50;

/** What the assignment rules need to know about an agent. */
export interface AgentLoad {
  status: AgentStatus;
  /** Admin switch and account (role agent, not disabled) combined. */
  active: boolean;
  capacity: number;
  activeCases: number;
}

/** Slots left before the agent reaches its capacity (never negative: capacity may be lowered below the load). */
export function freeSlots(agent: AgentLoad): number {
  return Math.max(0, agent.capacity - agent.activeCases);
}

/** Whether the router may give this agent cases: online and active. Capacity is checked separately. */
export function receivesAutomatically(agent: AgentLoad): boolean {
  return agent.active && agent.status === 'online';
}

/** Slots the router may fill right now. */
export function routableSlots(agent: AgentLoad): number {
  return receivesAutomatically(agent) ? freeSlots(agent) : 0;
}

/**
 * True when a change gave the router slots it did not have before: the agent went online, was
 * made active again, or got more capacity or fewer cases. That is when `agent.freed` is published
 * and waiting cases are handed to the agent.
 */
export function gainedRoutableSlots(before: AgentLoad, after: AgentLoad): boolean {
  return routableSlots(after) > routableSlots(before);
}

/** Why an agent may not claim a case right now, or null when it may. */
export function claimRefusal(agent: AgentLoad): string | null {
  if (!agent.active) return 'An inactive agent cannot claim cases.';
  if (agent.status === 'offline') return 'An offline agent cannot claim cases; set your status to online or away first.';
  if (freeSlots(agent) === 0) return `You are at your capacity of ${agent.capacity} active cases.`;
  return null;
}

/** An agent profile as the service keeps it (the API's `Agent`). */
export interface Agent extends AgentLoad {
  id: string;
  name: string;
  email: string;
  lastAssignedAt: Date | null;
}

/** Profiles are made from `user.created`, so a new agent's token may briefly have none. */
export const missingProfileDetail = 'You have no agent profile (yet): a new agent account needs a moment to be set up.';
