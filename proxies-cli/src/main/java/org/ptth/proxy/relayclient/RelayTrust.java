package org.ptth.proxy.relayclient;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Which certificates the terminators trust for an HTTPS relay: the system's trust store, plus the
 * certificates of a private CA from a PEM file ({@code --ca-file}). Host names are checked either way.
 */
public final class RelayTrust {

    private RelayTrust() {
    }

    /**
     * An SSLContext that trusts the system store and every certificate in {@code caFile}.
     *
     * @throws IOException with a one-line message when the file is missing or holds no certificate
     */
    public static SSLContext withCaFile(final Path caFile) throws IOException {
        final Collection<? extends Certificate> extra = readPem(caFile);
        try {
            final KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
            anchors.load(null, null);
            int index = 0;
            for (final X509Certificate system : systemTrustManager().getAcceptedIssuers()) {
                anchors.setCertificateEntry("system-" + index++, system);
            }
            index = 0;
            for (final Certificate certificate : extra) {
                anchors.setCertificateEntry("ca-file-" + index++, certificate);
            }
            final TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(anchors);
            final SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (final GeneralSecurityException | IOException failed) {
            throw new IOException("cannot build a trust store with " + caFile + ": " + failed.getMessage(), failed);
        }
    }

    private static Collection<? extends Certificate> readPem(final Path caFile) throws IOException {
        final Collection<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(caFile)) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (final java.nio.file.NoSuchFileException missing) {
            throw new IOException("--ca-file " + caFile + " does not exist");
        } catch (final GeneralSecurityException | IOException unreadable) {
            throw new IOException("--ca-file " + caFile + " is not PEM certificates: " + unreadable.getMessage());
        }
        if (certificates.isEmpty()) {
            throw new IOException("--ca-file " + caFile + " holds no certificate (expected PEM, BEGIN CERTIFICATE)");
        }
        return certificates;
    }

    private static X509TrustManager systemTrustManager() throws GeneralSecurityException {
        final TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init((KeyStore) null);
        for (final TrustManager manager : factory.getTrustManagers()) {
            if (manager instanceof X509TrustManager) {
                return (X509TrustManager) manager;
            }
        }
        throw new GeneralSecurityException("no X.509 trust manager in the system");
    }
}
