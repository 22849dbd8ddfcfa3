/** A fresh start after the user's data is gone: the new page load makes a new anonymous identity. */
export function reloadApp(): void {
  window.location.assign("/");
}
