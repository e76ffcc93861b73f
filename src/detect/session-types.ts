// The kinds of mirror session capwatch keeps state for: one list for the state, the API schema and the console.
// `traffic-export` is an IOS Router IP Traffic Export (RITE) profile, named rather than numbered.
export const MIRROR_SESSION_TYPES = ['span', 'rspan', 'erspan-source', 'erspan-destination', 'traffic-export'] as const;
export type SessionType = (typeof MIRROR_SESSION_TYPES)[number];
