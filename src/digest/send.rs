//! Delivery (issue #5): a digest becomes a multipart/alternative message
//! (lettre) and goes to the SMTP relay, or to an `.eml` file in the outbox
//! when no relay is configured.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::render::{Links, Rendered};
use crate::config::SmtpConfig;
use crate::model::SubscriberEmail;

/// How long one SMTP command may take before the attempt counts as failed.
const SMTP_TIMEOUT: Duration = Duration::from_secs(60);

/// Why a digest could not be handed over.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The relay refused or could not be reached.
    #[error("smtp: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    /// The outbox file could not be written.
    #[error("write {path}: {source}")]
    Outbox {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The message could not be built.
    #[error("build message: {0}")]
    Build(#[from] lettre::error::Error),
    /// The system's random source failed.
    #[error("random source: {0}")]
    Random(String),
}

impl SendError {
    /// A 5xx answer: trying again will not help.
    pub fn is_permanent(&self) -> bool {
        match self {
            SendError::Smtp(e) => e.is_permanent(),
            SendError::Build(_) | SendError::Random(_) => true,
            SendError::Outbox { .. } => false,
        }
    }
}

/// Where digests go. Cloning shares the relay's connection pool.
#[derive(Clone)]
pub enum Mailer {
    /// An SMTP relay, with pooled connections.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// `.eml` files in a folder, one per (subscriber, period).
    Outbox(PathBuf),
}

impl Mailer {
    /// The relay from `[smtp] url` (`smtp://` plain with STARTTLS when
    /// offered, `smtps://` implicit TLS), else the outbox folder. With
    /// credentials, `smtp://` requires STARTTLS (issue #11): a relay, or a
    /// man in the middle, that does not offer it gets no password.
    pub fn from_config(smtp: &SmtpConfig, outbox: &Path) -> Result<Mailer, SendError> {
        let Some(url) = &smtp.url else {
            return Ok(Mailer::Outbox(outbox.to_path_buf()));
        };
        let host = url.host_str().unwrap_or("localhost").to_string();
        let tls = TlsParameters::new(host.clone())?;
        let credentials = smtp.username.is_some() && smtp.password.is_some();
        let (port, tls) = match url.scheme() {
            "smtps" => (url.port().unwrap_or(465), Tls::Wrapper(tls)),
            _ if credentials => (url.port().unwrap_or(25), Tls::Required(tls)),
            _ => (url.port().unwrap_or(25), Tls::Opportunistic(tls)),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .tls(tls)
            .timeout(Some(SMTP_TIMEOUT))
            .pool_config(PoolConfig::new().max_size(smtp.connections));
        if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Mailer::Smtp(builder.build()))
    }

    /// Hands one message over; `Ok` means the relay accepted it (or the
    /// file is written and synced).
    pub async fn deliver(&self, message: &Message, name: &str) -> Result<(), SendError> {
        match self {
            Mailer::Smtp(transport) => transport
                .send(message.clone())
                .await
                .map(|_| ())
                .map_err(Into::into),
            Mailer::Outbox(dir) => write_eml(dir, name, &message.formatted()),
        }
    }
}

/// Writes atomically (temp file, sync, rename): a crash leaves either no
/// file or the whole message, and a resend overwrites the same name.
fn write_eml(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), SendError> {
    let path = dir.join(format!("{name}.eml"));
    let fail = |source| SendError::Outbox {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(fail)?;
    let tmp = dir.join(format!(".{name}.eml.tmp"));
    let write = || -> std::io::Result<()> {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)
    };
    write().map_err(fail)
}

/// Who the message is from and what list it belongs to.
pub struct Envelope<'a> {
    /// `From`.
    pub from: &'a Mailbox,
    /// `Reply-To`.
    pub reply_to: &'a Mailbox,
    /// `To`.
    pub to: &'a SubscriberEmail,
    /// `Message-ID`, with angle brackets.
    pub message_id: &'a str,
}

/// The multipart/alternative message with list headers (RFC 2369, RFC 2919,
/// RFC 8058 one-click unsubscribe).
pub fn build_message(
    envelope: &Envelope<'_>,
    rendered: &Rendered,
    links: &Links,
    date: SystemTime,
) -> Result<Message, SendError> {
    let domain = envelope.from.email.domain();
    let header = |name: &'static str, value: String| {
        HeaderValue::new(HeaderName::new_from_ascii_str(name), value)
    };
    let message = Message::builder()
        .from(envelope.from.clone())
        .reply_to(envelope.reply_to.clone())
        .to(Mailbox::new(None, envelope.to.address().clone()))
        .subject(rendered.subject.clone())
        .date(date)
        .message_id(Some(envelope.message_id.to_string()))
        .raw_header(header(
            "List-Id",
            format!("khabar digest <digest.{domain}>"),
        ))
        .raw_header(header(
            "List-Unsubscribe",
            format!("<{}>", links.unsubscribe),
        ))
        .raw_header(header(
            "List-Unsubscribe-Post",
            "List-Unsubscribe=One-Click".to_string(),
        ))
        .multipart(MultiPart::alternative_plain_html(
            rendered.text.clone(),
            rendered.html.clone(),
        ))?;
    Ok(message)
}

/// A one-off plain-text message (the form's confirmation mail) from
/// `from`, with a random Message-ID on the sender's domain.
pub fn build_notice(
    from: &Mailbox,
    reply_to: &Mailbox,
    to: &SubscriberEmail,
    subject: &str,
    text: String,
) -> Result<Message, SendError> {
    let mut nonce = [0u8; 16];
    getrandom::fill(&mut nonce).map_err(|e| SendError::Random(e.to_string()))?;
    Ok(Message::builder()
        .from(from.clone())
        .reply_to(reply_to.clone())
        .to(Mailbox::new(None, to.address().clone()))
        .subject(subject)
        .date(crate::clock::now().into())
        .message_id(Some(format!(
            "<notice.{}@{}>",
            hex::encode(nonce),
            from.email.domain()
        )))
        .header(lettre::message::header::ContentType::TEXT_PLAIN)
        .body(text)?)
}
