//! TLS for the HTTPS listener: a PEM certificate chain and PKCS#8 key as `openssl req -nodes`
//! writes them, or a self-signed set (a CA written to a file the user can trust, and a leaf for
//! `127.0.0.1` and `localhost` signed by it), made at the first start and used again by later
//! starts on the same directory, so that clients trusting the CA keep working.
//!
//! The server presents its one certificate whatever the client's SNI says, including when it
//! sends none (the SDKs send none when the endpoint is an IP address).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

/// Where the HTTPS listener's certificate comes from.
#[derive(Debug, Clone)]
pub enum TlsIdentity {
    /// A PEM certificate chain (leaf first) and a PEM private key (PKCS#8, PKCS#1 or SEC1).
    Pem {
        /// The certificate chain file.
        cert: PathBuf,
        /// The private key file.
        key: PathBuf,
    },
    /// A CA and a leaf for `127.0.0.1` / `localhost`: the CA certificate is `ca.pem` in `dir`,
    /// the leaf `server.pem` and its key `server.key` (owner-only). A complete set already in
    /// `dir` is used again; otherwise a fresh one is made and written (`dir` created if missing).
    SelfSigned {
        /// Where the CA certificate, the leaf and its key are kept.
        dir: PathBuf,
    },
}

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The certificate file holds no certificate.
    #[error("{0}: no PEM certificate found")]
    NoCertificate(PathBuf),
    /// The key file holds no private key.
    #[error("{0}: no PEM private key found")]
    NoKey(PathBuf),
    /// rustls refused the key or configuration.
    #[error("tls: {0}")]
    Rustls(#[from] rustls::Error),
    /// The self-signed certificates could not be generated.
    #[error("certificate generation: {0}")]
    Generate(#[from] rcgen::Error),
}

/// A ready TLS configuration and, for a self-signed set, the CA certificate file.
#[derive(Debug, Clone)]
pub struct TlsSetup {
    /// The rustls server configuration (HTTP/1.1 over TLS 1.2 or 1.3).
    pub config: Arc<ServerConfig>,
    /// The CA certificate file clients should trust, for [`TlsIdentity::SelfSigned`].
    pub ca_certificate: Option<PathBuf>,
}

/// Presents one certificate to every client, whatever its SNI.
struct OneCert(Arc<CertifiedKey>);

impl fmt::Debug for OneCert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OneCert")
            .field("chain_len", &self.0.cert.len())
            .finish_non_exhaustive()
    }
}

impl ResolvesServerCert for OneCert {
    fn resolve(&self, _client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Parses a PEM certificate chain and private key.
pub fn parse_pem(
    cert_pem: &[u8],
    key_pem: &[u8],
    cert_path: &Path,
    key_path: &Path,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), TlsError> {
    let certs: Vec<CertificateDer<'static>> = rustls_pemfile::certs(&mut &cert_pem[..])
        .collect::<Result<_, _>>()
        .map_err(|source| TlsError::Io {
            path: cert_path.to_owned(),
            source,
        })?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate(cert_path.to_owned()));
    }
    let key = rustls_pemfile::private_key(&mut &key_pem[..])
        .map_err(|source| TlsError::Io {
            path: key_path.to_owned(),
            source,
        })?
        .ok_or_else(|| TlsError::NoKey(key_path.to_owned()))?;
    Ok((certs, key))
}

/// A server configuration presenting `certs` with `key` to every client.
pub fn server_config(
    certs: Vec<CertificateDer<'static>>,
    key: &PrivateKeyDer<'_>,
) -> Result<Arc<ServerConfig>, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let signing_key = rustls::crypto::ring::sign::any_supported_type(key)?;
    let certified = Arc::new(CertifiedKey::new(certs, signing_key));
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(OneCert(certified)));
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A fresh CA and a leaf for `127.0.0.1` and `localhost` signed by it: `(ca_pem, leaf_der,
/// leaf_key_pkcs8_der)`.
pub fn generate_self_signed() -> Result<(String, CertificateDer<'static>, Vec<u8>), TlsError> {
    let set = generate()?;
    Ok((set.ca_pem, set.leaf_der, set.key_der))
}

/// A generated CA and leaf, in the forms that are served and that are written.
struct Generated {
    ca_pem: String,
    leaf_pem: String,
    leaf_der: CertificateDer<'static>,
    key_pem: String,
    key_der: Vec<u8>,
}

fn generate() -> Result<Generated, TlsError> {
    use rcgen::{
        BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose,
        IsCa, KeyPair, KeyUsagePurpose,
    };
    let ca_key = KeyPair::generate()?;
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "crossram emulator CA");
    dn.push(DnType::OrganizationName, "crossram");
    ca.distinguished_name = dn;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca.self_signed(&ca_key)?;

    let leaf_key = KeyPair::generate()?;
    let mut leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "localhost");
    leaf.distinguished_name = dn;
    leaf.is_ca = IsCa::ExplicitNoCa;
    leaf.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.use_authority_key_identifier_extension = true;
    let leaf_cert = leaf.signed_by(&leaf_key, &ca_cert, &ca_key)?;
    Ok(Generated {
        ca_pem: ca_cert.pem(),
        leaf_pem: leaf_cert.pem(),
        leaf_der: leaf_cert.der().clone(),
        key_pem: leaf_key.serialize_pem(),
        key_der: leaf_key.serialize_der(),
    })
}

/// Builds the TLS configuration for `identity`, writing the CA file of a self-signed set.
pub fn setup(identity: &TlsIdentity) -> Result<TlsSetup, TlsError> {
    match identity {
        TlsIdentity::Pem { cert, key } => {
            let (certs, private) = parse_pem(&read(cert)?, &read(key)?, cert, key)?;
            Ok(TlsSetup {
                config: server_config(certs, &private)?,
                ca_certificate: None,
            })
        }
        TlsIdentity::SelfSigned { dir } => {
            let ca_path = dir.join("ca.pem");
            let leaf_path = dir.join("server.pem");
            let key_path = dir.join("server.key");
            // A complete set made before is served again; otherwise a fresh one is written
            // first. Either way it is served from its files, as a PEM identity is.
            if ![&ca_path, &leaf_path, &key_path]
                .iter()
                .all(|p| p.is_file())
            {
                let set = generate()?;
                let io = |path: &Path| {
                    let path = path.to_owned();
                    move |source| TlsError::Io { path, source }
                };
                crossram_store::private::create_dir_all(dir).map_err(io(dir))?;
                // The key first and the CA last: a set is used again only when all three exist.
                crossram_store::private::write(&key_path, set.key_pem.as_bytes())
                    .map_err(io(&key_path))?;
                std::fs::write(&leaf_path, &set.leaf_pem).map_err(io(&leaf_path))?;
                std::fs::write(&ca_path, &set.ca_pem).map_err(io(&ca_path))?;
            }
            let served = setup(&TlsIdentity::Pem {
                cert: leaf_path,
                key: key_path,
            })?;
            Ok(TlsSetup {
                ca_certificate: Some(ca_path),
                ..served
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_signed_set_loads_back_from_pem() {
        let dir = tempfile::tempdir().unwrap();
        let setup = setup(&TlsIdentity::SelfSigned {
            dir: dir.path().join("tls"),
        })
        .unwrap();
        let ca = setup.ca_certificate.unwrap();
        let text = std::fs::read_to_string(&ca).unwrap();
        assert!(text.starts_with("-----BEGIN CERTIFICATE-----"));
        assert_eq!(setup.config.alpn_protocols, vec![b"http/1.1".to_vec()]);
    }

    #[test]
    fn a_self_signed_set_is_used_again_from_its_directory() {
        let dir = tempfile::tempdir().unwrap();
        let identity = TlsIdentity::SelfSigned {
            dir: dir.path().join("tls"),
        };
        let first = setup(&identity).unwrap();
        let ca = std::fs::read(first.ca_certificate.unwrap()).unwrap();
        let leaf = std::fs::read(dir.path().join("tls/server.pem")).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let key = std::fs::metadata(dir.path().join("tls/server.key")).unwrap();
            assert_eq!(key.permissions().mode() & 0o777, 0o600);
        }
        let second = setup(&identity).unwrap();
        assert_eq!(std::fs::read(second.ca_certificate.unwrap()).unwrap(), ca);
        assert_eq!(
            std::fs::read(dir.path().join("tls/server.pem")).unwrap(),
            leaf
        );
        // An incomplete set is made afresh.
        std::fs::remove_file(dir.path().join("tls/server.key")).unwrap();
        let third = setup(&identity).unwrap();
        assert_ne!(std::fs::read(third.ca_certificate.unwrap()).unwrap(), ca);
    }

    #[test]
    fn pem_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let cert = dir.path().join("cert.pem");
        let key = dir.path().join("key.pem");
        std::fs::write(&cert, "not a pem").unwrap();
        std::fs::write(&key, "").unwrap();
        let err = setup(&TlsIdentity::Pem {
            cert: cert.clone(),
            key,
        })
        .unwrap_err();
        assert!(matches!(err, TlsError::NoCertificate(p) if p == cert));
    }
}
