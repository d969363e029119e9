//! Where the person who signs in is, and what they must be told.

/// Something the person has to see while a host-started bridge signs in.
#[derive(Debug, Clone)]
pub enum Notice {
    /// A line for the host's log.
    Log(String),
    /// A URL to open, offered as a URL-mode elicitation (MCP 2025-11-25)
    /// when the host declared it can show one.
    OpenUrl { url: String, message: String },
}

/// Where the person who signs in is, which decides how they are reached.
/// Set by whoever starts the sign-in (the relay, `login`, the sign-in
/// helper), never by the command line: the settings are [`AuthConfig`].
#[derive(Debug, Clone)]
pub enum Person {
    /// Behind a host that started this bridge: reached through stderr and
    /// the host (`notifier`), with links shown by the host when it declared
    /// URL elicitation (`host_opens_urls`, learnt from `initialize`).
    /// `detach`: sign in through a helper process that outlives the bridge
    /// ([`keeper`]).
    ViaHost {
        notifier: Option<tokio::sync::mpsc::UnboundedSender<Notice>>,
        host_opens_urls: std::sync::Arc<std::sync::atomic::AtomicBool>,
        detach: bool,
    },
    /// At this terminal (`mcp-tether login`); `paste`: the redirect URL (or
    /// the code) is read back from stdin.
    AtTerminal { paste: bool },
}

impl Person {
    pub(super) fn at_terminal(&self) -> bool {
        matches!(self, Person::AtTerminal { .. })
    }

    pub(super) fn pastes(&self) -> bool {
        matches!(self, Person::AtTerminal { paste: true })
    }

    /// The host declared it can show the person a link.
    pub(super) fn host_opens_urls(&self) -> bool {
        match self {
            Person::ViaHost {
                host_opens_urls, ..
            } => host_opens_urls.load(std::sync::atomic::Ordering::Acquire),
            Person::AtTerminal { .. } => false,
        }
    }

    /// Tell the person something, on stderr: a terminal's, or the host's
    /// (hosts show or log a server's stderr). The one place in `auth/` that
    /// writes to the person.
    pub(super) fn tell(&self, text: impl std::fmt::Display) {
        crate::say::say(text);
    }

    /// [`Self::tell`], as it is (a block of lines, a QR code).
    pub(super) fn show(&self, text: &str) {
        crate::say::say_raw(text);
    }

    /// Send a notice to the host, if there is one to send it to.
    pub(super) fn notify(&self, notice: Notice) {
        if let Person::ViaHost {
            notifier: Some(n), ..
        } = self
        {
            let _ = n.send(notice);
        }
    }

    pub(super) fn notifier(&self) -> Option<&tokio::sync::mpsc::UnboundedSender<Notice>> {
        match self {
            Person::ViaHost { notifier, .. } => notifier.as_ref(),
            Person::AtTerminal { .. } => None,
        }
    }
}
