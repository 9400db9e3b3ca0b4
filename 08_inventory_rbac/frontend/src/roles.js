// What each role may do, to show only the menus and buttons that will work. This is a
// courtesy, not a lock: the server checks every request against the user's role.
const ABILITIES = {
  admin: ["edit products", "manage users"],
  manager: ["manage orders"],
  viewer: [],
};

export const ROLES = {
  admin: "Adds and edits products and users.",
  manager: "Places, fulfils and cancels orders.",
  viewer: "Reads everything, changes nothing.",
};

export function can(user, ability) {
  return ABILITIES[user.role].includes(ability);
}
