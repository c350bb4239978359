//! TLS and mutual TLS against servers holding certificates from a throwaway CA.

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, ExtendedKeyUsagePurpose, IsCa, KeyPair,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tonic::transport::{Certificate, Identity, ServerTlsConfig};

use super::*;

/// The name in the server's certificate; the tests connect to 127.0.0.1 and override the name.
const SERVER_NAME: &str = "collector.test";

/// A CA, a server certificate and a client certificate, as PEM strings and files.
struct Pki {
    dir: tempfile::TempDir,
    ca: String,
    server_cert: String,
    server_key: String,
}

impl Pki {
    fn new() -> Pki {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
        let leaf = |name: &str, usage| {
            let key = KeyPair::generate().unwrap();
            let mut params = CertificateParams::new(vec![name.to_owned()]).unwrap();
            params.extended_key_usages = vec![usage];
            (
                params.signed_by(&key, &ca).unwrap().pem(),
                key.serialize_pem(),
            )
        };
        let (server_cert, server_key) = leaf(SERVER_NAME, ExtendedKeyUsagePurpose::ServerAuth);
        let (client_cert, client_key) = leaf("weir", ExtendedKeyUsagePurpose::ClientAuth);
        let dir = tempfile::tempdir().unwrap();
        for (name, pem) in [
            ("ca.pem", ca.pem()),
            ("client.pem", client_cert),
            ("client.key", client_key),
        ] {
            std::fs::write(dir.path().join(name), pem).unwrap();
        }
        Pki {
            dir,
            ca: ca.pem(),
            server_cert,
            server_key,
        }
    }

    fn file(&self, name: &str) -> Option<String> {
        Some(self.dir.path().join(name).display().to_string())
    }

    /// Client settings trusting the CA and presenting the client certificate.
    fn client(&self) -> TlsClientConfig {
        TlsClientConfig {
            insecure: false,
            ca_file: self.file("ca.pem"),
            cert_file: self.file("client.pem"),
            key_file: self.file("client.key"),
            server_name_override: Some(SERVER_NAME.to_owned()),
        }
    }

    /// A rustls server config that requires a client certificate from the CA.
    fn rustls_server(&self) -> rustls::ServerConfig {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(self.ca.as_bytes()).unwrap())
            .unwrap();
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
            Arc::new(roots),
            provider.clone(),
        )
        .build()
        .unwrap();
        let chain = vec![CertificateDer::from_pem_slice(self.server_cert.as_bytes()).unwrap()];
        let key = PrivateKeyDer::from_pem_slice(self.server_key.as_bytes()).unwrap();
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_client_cert_verifier(verifier)
            .with_single_cert(chain, key)
            .unwrap();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        config
    }
}

async fn grpcs_server(pki: &Pki) -> Server {
    let tls = ServerTlsConfig::new()
        .identity(Identity::from_pem(&pki.server_cert, &pki.server_key))
        .client_ca_root(Certificate::from_pem(&pki.ca));
    grpc_server_with(
        tonic::transport::Server::builder().tls_config(tls).unwrap(),
        local(),
    )
    .await
}

async fn https_server(pki: &Pki) -> Server {
    let (listener, addr, script, received, stop, mut stopped) = listen(local()).await;
    let acceptor = TlsAcceptor::from(Arc::new(pki.rustls_server()));
    let app = http_app(script.clone());
    let task = tokio::spawn(async move {
        // Owned by the accept loop, so aborting the server also closes its connections.
        let mut connections = JoinSet::new();
        loop {
            let tcp = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((tcp, _)) => tcp,
                    Err(_) => return,
                },
                _ = &mut stopped => return,
            };
            let acceptor = acceptor.clone();
            let service = TowerToHyperService::new(app.clone());
            connections.spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let _ = auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    Server {
        addr,
        script,
        received,
        stop: Some(stop),
        task,
    }
}

fn tls_config(server: &Server, protocol: OtlpProtocol, tls: TlsClientConfig) -> OtlpExporterConfig {
    // A bare host:port without `insecure` means TLS.
    OtlpExporterConfig {
        tls,
        ..config(server.addr.to_string(), protocol, Compression::Zstd)
    }
}

#[tokio::test]
async fn grpc_over_mutual_tls() {
    let pki = Pki::new();
    let mut server = grpcs_server(&pki).await;
    let exporter =
        OtlpExporter::new(&tls_config(&server, OtlpProtocol::Grpc, pki.client())).unwrap();
    export(&exporter, &traces(2)).await.unwrap();
    assert_eq!(server.next().await.payload, Some(traces(2)));
}

#[tokio::test]
async fn http_over_mutual_tls() {
    let pki = Pki::new();
    let mut server = https_server(&pki).await;
    let exporter = OtlpExporter::new(&tls_config(
        &server,
        OtlpProtocol::HttpProtobuf,
        pki.client(),
    ))
    .unwrap();
    export(&exporter, &log("secret")).await.unwrap();
    let received = server.next().await;
    assert_eq!(received.path, "/v1/logs");
    assert_eq!(decode(Signal::Logs, &decompress(&received)), log("secret"));
}

#[tokio::test]
async fn failed_handshakes_are_retryable_failures() {
    let pki = Pki::new();
    // The web PKI roots do not include the test CA.
    let untrusting = TlsClientConfig {
        ca_file: None,
        ..pki.client()
    };
    // The servers require a client certificate.
    let anonymous = TlsClientConfig {
        cert_file: None,
        key_file: None,
        ..pki.client()
    };
    let grpc = grpcs_server(&pki).await;
    let https = https_server(&pki).await;
    for (server, protocol) in [
        (&grpc, OtlpProtocol::Grpc),
        (&https, OtlpProtocol::HttpProtobuf),
    ] {
        for tls in [&untrusting, &anonymous] {
            let exporter = OtlpExporter::new(&tls_config(server, protocol, tls.clone())).unwrap();
            let error = export(&exporter, &traces(1)).await.unwrap_err();
            assert!(error.is_retryable(), "{protocol:?}: {error:?}");
        }
    }
}
