//! `window_message_while_impersonating`: a window message sent or posted from an impersonated region.

use imperlint_analyzer::catalog::Role;
use imperlint_analyzer::event::{Event, EventKind};
use imperlint_analyzer::lint::Finding;

use crate::{Lint, Sink};

declare_lint! {
    /// ### What it does
    /// Reports `SendMessage*` and `PostMessage*` (and `PostThreadMessage*`)
    /// calls made while the thread is impersonating.
    ///
    /// ### Why is this bad?
    /// A message is handled by the window procedure on the thread that owns
    /// the window, under that thread's own token. The impersonation of the
    /// sender does not travel with the message. When the message asks the
    /// window's thread to do something on the client's behalf (open a
    /// document, save settings, start a job), that work runs as the service
    /// or the desktop user, with their rights, and the access checks the
    /// sender relied on never happen. Raymond Chen lists this among the
    /// operations that do not work when impersonating.
    ///
    /// ### Example
    /// ```rust
    /// use windows::core::Result;
    /// use windows::Win32::Foundation::{HANDLE, HWND, LPARAM, WPARAM};
    /// use windows::Win32::Security::RevertToSelf;
    /// use windows::Win32::System::Pipes::ImpersonateNamedPipeClient;
    /// use windows::Win32::UI::WindowsAndMessaging::{SendMessageW, WM_APP};
    ///
    /// /// Asks the UI thread to open the recent document at index `wparam`.
    /// const WM_OPEN_RECENT: u32 = WM_APP + 1;
    ///
    /// pub fn open_recent_for_client(pipe: HANDLE, ui: HWND, index: usize) -> Result<()> {
    ///     unsafe { ImpersonateNamedPipeClient(pipe) }?;
    ///     // The UI thread opens the file with its own token, not the client's.
    ///     unsafe { SendMessageW(ui, WM_OPEN_RECENT, WPARAM(index), LPARAM(0)) };
    ///     if unsafe { RevertToSelf() }.is_err() {
    ///         std::process::abort();
    ///     }
    ///     Ok(())
    /// }
    /// ```
    ///
    /// ### Use instead
    /// ```rust
    /// use std::fs;
    /// use std::io;
    /// use std::path::Path;
    ///
    /// use windows::Win32::Foundation::{HANDLE, HWND, LPARAM, WPARAM};
    /// use windows::Win32::Security::RevertToSelf;
    /// use windows::Win32::System::Pipes::ImpersonateNamedPipeClient;
    /// use windows::Win32::UI::WindowsAndMessaging::{SendMessageW, WM_APP};
    ///
    /// /// Shows the bytes at `lparam` (length `wparam`) in the viewer.
    /// const WM_SHOW_DOCUMENT: u32 = WM_APP + 2;
    ///
    /// pub fn open_for_client(pipe: HANDLE, ui: HWND, path: &Path) -> io::Result<()> {
    ///     unsafe { ImpersonateNamedPipeClient(pipe) }?;
    ///     // The file is read here, with the client's rights.
    ///     let contents = fs::read(path);
    ///     if unsafe { RevertToSelf() }.is_err() {
    ///         std::process::abort();
    ///     }
    ///     let contents = contents?;
    ///     // The window only gets data, after the revert.
    ///     unsafe {
    ///         SendMessageW(ui, WM_SHOW_DOCUMENT, WPARAM(contents.len()), LPARAM(contents.as_ptr() as isize))
    ///     };
    ///     Ok(())
    /// }
    /// ```
    ///
    /// ### Known problems
    /// A message sent to a window owned by the impersonating thread itself is
    /// handled on that thread, still impersonating; the lint cannot tell whose
    /// window a handle belongs to and reports it anyway. A message that only
    /// carries data or a notification is harmless, and the lint cannot see that
    /// either: suppress such findings with a reason. Messages sent through
    /// wrapper libraries, function pointers, trait objects or other crates'
    /// macros beyond the common expression macros imperlint re-parses (the crate's own `macro_rules!`,
    /// and the exported ones of dependencies whose source is read, are
    /// expanded) are not seen.
    ///
    /// ### References
    /// - Raymond Chen, [Does this operation work when impersonating? The default answer is NO](https://devblogs.microsoft.com/oldnewthing/20110928-00/?p=9533): the receiving window works under its own token.
    /// - Microsoft Learn, [`SendMessageW`](https://learn.microsoft.com/en-us/windows/win32/api/winuser/nf-winuser-sendmessagew): the window procedure runs on the thread that created the window.
    /// - Keith Brown, [Understanding Impersonation](https://www.informit.com/articles/article.aspx?p=350385) (*The .NET Developer's Guide to Windows Security*): a thread switch drops the impersonation token.
    pub WINDOW_MESSAGE_WHILE_IMPERSONATING = "window_message_while_impersonating",
    level: Warn,
    summary: "a window message sent while impersonating is handled with the window thread's token, not the client's",
    security_severity: "5.5",
}

pub static LINT: Lint = Lint {
    info: &WINDOW_MESSAGE_WHILE_IMPERSONATING,
    check,
};

fn check(event: &Event, sink: &mut Sink) {
    let EventKind::Call { api, facts } = &event.kind else {
        return;
    };
    if api.role != Role::WindowMessage || !event.state.is_impersonating() {
        return;
    }
    sink.report(
        event,
        Finding::new(
            format!(
                "`{}` hands work to a window while impersonating",
                facts.callee(api)
            ),
            "the window procedure runs on the window's thread, with that thread's token",
            "do the client's work on this thread before the revert and send the window only the results",
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::LINT;
    use crate::test_support::{api, event, impersonating, reverted, run};
    use imperlint_analyzer::catalog::Role;
    use imperlint_analyzer::event::{CallFacts, EventKind};

    fn call(role: Role) -> EventKind {
        EventKind::Call {
            api: api("SendMessageW", role),
            facts: CallFacts::default(),
        }
    }

    #[test]
    fn reports_messages_while_impersonating() {
        assert_eq!(
            run(&LINT, &event(call(Role::WindowMessage), impersonating())).len(),
            1
        );
    }

    #[test]
    fn ignores_other_calls_and_reverted_state() {
        assert!(run(&LINT, &event(call(Role::WindowMessage), reverted())).is_empty());
        assert!(run(&LINT, &event(call(Role::ComCall), impersonating())).is_empty());
    }
}
