package org.ptth.proxy.relayclient;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertificateException;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;

import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.HttpHostConnectException;

/**
 * One line, for a log or for stderr, that says why a call to the relay failed: TLS problems say
 * what to do about them, network problems say what was tried.
 */
public final class RelayProblem {

    private RelayProblem() {
    }

    public static String describe(final Throwable failure) {
        if (hasCause(failure, CertPathBuilderException.class) || mentions(failure, "PKIX path")) {
            return "TLS: the relay's certificate is not trusted (" + message(rootCause(failure))
                    + "); for a private CA give --ca-file";
        }
        if (failure instanceof SSLPeerUnverifiedException) {
            return "TLS: the relay's certificate does not match its host name: " + failure.getMessage();
        }
        if (failure instanceof SSLHandshakeException && hasCause(failure, CertificateException.class)) {
            return "TLS: the relay's certificate was rejected: " + message(rootCause(failure));
        }
        if (failure instanceof SSLException) {
            return "TLS: " + message(failure);
        }
        if (failure instanceof HttpHostConnectException || failure instanceof ConnectException
                || failure instanceof NoRouteToHostException || failure instanceof ConnectTimeoutException) {
            return "cannot connect: " + message(failure);
        }
        if (failure instanceof UnknownHostException) {
            return "unknown host " + failure.getMessage();
        }
        if (failure instanceof SocketTimeoutException) {
            return "timed out: " + message(failure);
        }
        return message(failure);
    }

    private static String message(final Throwable failure) {
        final String text = failure.getMessage();
        return text == null || text.isBlank() ? failure.getClass().getSimpleName() : text.strip().split("\n")[0];
    }

    private static Throwable rootCause(final Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static boolean hasCause(final Throwable failure, final Class<? extends Throwable> type) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return false;
    }

    private static boolean mentions(final Throwable failure, final String text) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause.getMessage() != null && cause.getMessage().contains(text)) {
                return true;
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return false;
    }
}
