// The kinds of mirror session capwatch keeps state for: one list for the state, the API schema and the console.
// `traffic-export` is an IOS Router IP Traffic Export (RITE) profile, named rather than numbered; `port-mirroring` a
// Junos port-mirroring instance, whose traffic a firewall filter selects (it has no sources); `cloud` a cloud provider's
// traffic mirror (AWS Traffic Mirror session, GCP packet mirroring, Azure tap configuration).
export const MIRROR_SESSION_TYPES = ['span', 'rspan', 'erspan-source', 'erspan-destination', 'traffic-export', 'port-mirroring', 'cloud'] as const;
export type SessionType = (typeof MIRROR_SESSION_TYPES)[number];
