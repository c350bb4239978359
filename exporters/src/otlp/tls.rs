//! The `tls` settings, read and checked once at build time so a bad file fails at startup.

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use weir_config::TlsClientConfig;

use crate::BuildError;

/// A PEM file's bytes (what tonic takes) and its parsed contents (what rustls takes).
pub(crate) struct Pem<T> {
    pub(crate) bytes: Vec<u8>,
    pub(crate) parsed: T,
}

/// The client's certificate chain and key, for mutual TLS.
pub(crate) struct Identity {
    pub(crate) chain: Pem<Vec<CertificateDer<'static>>>,
    pub(crate) key: Pem<PrivateKeyDer<'static>>,
}

/// The TLS settings with their files read; the default trusts the web PKI roots and has no identity.
#[derive(Default)]
pub(crate) struct Tls {
    /// The CA that signs the server's certificate; the web PKI roots when absent.
    pub(crate) ca: Option<Pem<Vec<CertificateDer<'static>>>>,
    pub(crate) identity: Option<Identity>,
    pub(crate) server_name: Option<String>,
}

fn read(setting: &'static str, path: &str) -> Result<Vec<u8>, BuildError> {
    std::fs::read(path).map_err(|source| BuildError::TlsFile {
        setting,
        path: path.to_owned(),
        source,
    })
}

fn certificates(
    setting: &'static str,
    path: &str,
) -> Result<Pem<Vec<CertificateDer<'static>>>, BuildError> {
    let bytes = read(setting, path)?;
    let parsed = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| BuildError::Tls(format!("{setting} {path:?} is not valid PEM: {e}")))?;
    if parsed.is_empty() {
        return Err(BuildError::Tls(format!(
            "{setting} {path:?} holds no PEM certificate"
        )));
    }
    Ok(Pem { bytes, parsed })
}

impl Tls {
    /// Reads the files `config` names.
    pub(crate) fn load(config: &TlsClientConfig) -> Result<Tls, BuildError> {
        let ca = config
            .ca_file
            .as_deref()
            .map(|path| certificates("ca_file", path))
            .transpose()?;
        let identity = match (&config.cert_file, &config.key_file) {
            (None, None) => None,
            (Some(cert), Some(key)) => {
                let chain = certificates("cert_file", cert)?;
                let bytes = read("key_file", key)?;
                let parsed = PrivateKeyDer::from_pem_slice(&bytes).map_err(|e| {
                    BuildError::Tls(format!("key_file {key:?} holds no PEM private key: {e}"))
                })?;
                Some(Identity {
                    chain,
                    key: Pem { bytes, parsed },
                })
            }
            _ => {
                return Err(BuildError::Tls(
                    "cert_file and key_file must be set together, for mutual TLS".into(),
                ));
            }
        };
        if let Some(name) = &config.server_name_override {
            ServerName::try_from(name.as_str()).map_err(|e| {
                BuildError::Tls(format!(
                    "server_name_override {name:?} is not a DNS name or IP: {e}"
                ))
            })?;
        }
        Ok(Tls {
            ca,
            identity,
            server_name: config.server_name_override.clone(),
        })
    }

    /// A rustls client config (ring provider) trusting the CA, or the web PKI roots without one.
    pub(crate) fn rustls_config(&self) -> Result<ClientConfig, BuildError> {
        let mut roots = RootCertStore::empty();
        match &self.ca {
            Some(ca) => {
                for cert in &ca.parsed {
                    roots
                        .add(cert.clone())
                        .map_err(|e| BuildError::Tls(format!("ca_file: {e}")))?;
                }
            }
            None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        }
        let builder =
            ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .map_err(|e| BuildError::Tls(e.to_string()))?
                .with_root_certificates(roots);
        match &self.identity {
            Some(identity) => builder
                .with_client_auth_cert(
                    identity.chain.parsed.clone(),
                    identity.key.parsed.clone_key(),
                )
                .map_err(|e| {
                    BuildError::Tls(format!(
                        "cert_file and key_file do not make a client identity: {e}"
                    ))
                }),
            None => Ok(builder.with_no_client_auth()),
        }
    }
}
