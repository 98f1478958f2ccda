// What the signed-in user may do in a project, so screens offer only what the API would allow
// (the API checks again regardless).

import { get, type Page, type User } from "./api";

export type Role = "none" | "viewer" | "contributor" | "manager";
const ORDER: Role[] = ["none", "viewer", "contributor", "manager"];

export function atLeast(role: Role, needed: Role): boolean {
  return ORDER.indexOf(role) >= ORDER.indexOf(needed);
}

export interface Member {
  user_id: number;
  username: string;
  role: Role;
}

export async function roleIn(project: number, me: User): Promise<Role> {
  if (me.admin) return "manager";
  const members = await get<Page<Member>>(`/projects/${project}/members?limit=1000`);
  return members.items.find((member) => member.user_id === me.id)?.role ?? "none";
}
