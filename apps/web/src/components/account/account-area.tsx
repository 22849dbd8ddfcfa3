import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { describeError, errorCode } from "../../error-message.ts";
import { useTRPC } from "../../trpc.ts";
import { reloadApp } from "../your-data/reload-app.ts";
import { AccountDialog, type AccountField } from "./account-dialog.tsx";
import "./account.css";

type Dialog = "signUp" | "logIn" | "changePassword" | null;

const loginField: AccountField = { name: "login", label: "Username or email", type: "text", autoComplete: "username" };
const newPasswordHint = "At least 8 characters.";

/**
 * The sidebar footer's account corner. Anonymous by default: "Sign up" keeps this browser's
 * chats (the same user becomes the account), "Log in" switches to an account's chats.
 * Signed in: the name, "Change password", "Log out" and "Log out everywhere".
 */
export function AccountArea() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = useQuery(trpc.auth.me.queryOptions());
  const [dialog, setDialog] = useState<Dialog>(null);
  const [notice, setNotice] = useState<string | null>(null);

  /** Another user's data from now on: start the page afresh. */
  const restart = () => {
    queryClient.clear();
    reloadApp();
  };
  const signUp = useMutation(
    trpc.auth.signUp.mutationOptions({
      onSuccess: async () => {
        setDialog(null);
        setNotice(null);
        await queryClient.invalidateQueries(trpc.auth.me.queryFilter());
      },
    }),
  );
  const logIn = useMutation(trpc.auth.logIn.mutationOptions({ onSuccess: restart }));
  const logOut = useMutation(trpc.auth.logOut.mutationOptions({ onSuccess: restart }));
  const logOutEverywhere = useMutation(trpc.auth.logOutEverywhere.mutationOptions({ onSuccess: restart }));
  const changePassword = useMutation(
    trpc.auth.changePassword.mutationOptions({
      onSuccess: () => {
        setDialog(null);
        setNotice("Password changed. Your other devices are signed out.");
      },
    }),
  );

  const close = () => {
    setDialog(null);
    signUp.reset();
    logIn.reset();
    changePassword.reset();
  };
  const leaving = logOut.isPending || logOutEverywhere.isPending;
  const leaveError = logOut.error ?? logOutEverywhere.error;
  const account = me.data?.kind === "account" ? me.data : null;
  // Logged out elsewhere ("log out everywhere", a password change): auth.me refetches when the tab regains focus.
  const ended = me.isError && errorCode(me.error) === "UNAUTHORIZED";

  return (
    <section className="account-area" aria-label="Account">
      {ended ? (
        <>
          <p className="account-error" role="alert">
            This session has ended (logged out elsewhere, or the password changed).
          </p>
          <div className="account-actions">
            <button type="button" className="button-secondary" onClick={restart}>
              Start again
            </button>
          </div>
        </>
      ) : account ? (
        <>
          <p className="account-who">
            Signed in as <strong>{account.login}</strong>
            {account.role === "admin" && <span className="account-role"> (admin)</span>}
          </p>
          <div className="account-actions">
            <button type="button" className="button-secondary" onClick={() => setDialog("changePassword")}>
              Change password
            </button>
            <button type="button" className="button-secondary" disabled={leaving} onClick={() => logOut.mutate()}>
              Log out
            </button>
            <button type="button" className="button-secondary" disabled={leaving} onClick={() => logOutEverywhere.mutate()}>
              Log out everywhere
            </button>
          </div>
        </>
      ) : (
        <>
          <p className="account-who">Not signed in: your chats are tied to this browser.</p>
          <div className="account-actions">
            <button type="button" className="button-secondary" onClick={() => setDialog("signUp")}>
              Sign up
            </button>
            <button type="button" className="button-secondary" onClick={() => setDialog("logIn")}>
              Log in
            </button>
          </div>
        </>
      )}
      {notice && (
        <p className="account-note" role="status">
          {notice}
        </p>
      )}
      {leaveError && (
        <p className="account-error" role="alert">
          {describeError(leaveError)}
        </p>
      )}

      {dialog === "signUp" && (
        <AccountDialog
          title="Sign up"
          description="Your chats so far stay with you. Sign in anywhere with this username and password."
          fields={[loginField, { name: "password", label: "Password", type: "password", autoComplete: "new-password", hint: newPasswordHint }]}
          submitLabel="Sign up"
          busyLabel="Signing up…"
          busy={signUp.isPending}
          error={signUp.error ? describeError(signUp.error) : null}
          onSubmit={(values) => signUp.mutate({ login: values.login ?? "", password: values.password ?? "" })}
          onClose={close}
        />
      )}
      {dialog === "logIn" && (
        <AccountDialog
          title="Log in"
          description="Shows your account's chats. Chats started here without an account are not moved into it: to keep them, sign up instead."
          fields={[loginField, { name: "password", label: "Password", type: "password", autoComplete: "current-password" }]}
          submitLabel="Log in"
          busyLabel="Logging in…"
          busy={logIn.isPending}
          error={logIn.error ? describeError(logIn.error) : null}
          onSubmit={(values) => logIn.mutate({ login: values.login ?? "", password: values.password ?? "" })}
          onClose={close}
        />
      )}
      {dialog === "changePassword" && (
        <AccountDialog
          title="Change password"
          description="Every other device and program signed in to this account will be signed out."
          fields={[
            { name: "currentPassword", label: "Current password", type: "password", autoComplete: "current-password" },
            { name: "newPassword", label: "New password", type: "password", autoComplete: "new-password", hint: newPasswordHint },
          ]}
          submitLabel="Change password"
          busyLabel="Changing…"
          busy={changePassword.isPending}
          error={changePassword.error ? describeError(changePassword.error) : null}
          onSubmit={(values) => changePassword.mutate({ currentPassword: values.currentPassword ?? "", newPassword: values.newPassword ?? "" })}
          onClose={close}
        />
      )}
    </section>
  );
}
