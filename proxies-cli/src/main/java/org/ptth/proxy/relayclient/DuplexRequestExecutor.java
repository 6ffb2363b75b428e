package org.ptth.proxy.relayclient;

import java.io.IOException;
import java.io.InputStream;

import javax.net.ssl.SSLException;

import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpStatus;
import org.apache.hc.core5.http.ProtocolException;
import org.apache.hc.core5.http.impl.io.HttpRequestExecutor;
import org.apache.hc.core5.http.io.HttpClientConnection;
import org.apache.hc.core5.http.io.HttpResponseInformationCallback;
import org.apache.hc.core5.http.io.entity.HttpEntityWrapper;
import org.apache.hc.core5.http.message.MessageSupport;
import org.apache.hc.core5.http.message.StatusLine;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.http.protocol.HttpCoreContext;
import org.apache.hc.core5.io.CloseMode;

/**
 * HttpClient's classic executor sends a whole request body before it reads the response. For a
 * request whose body is a {@link DuplexBody} this one sends the head, leaves the body to a tunnel
 * thread and reads the response on the calling thread: HTTP/1.1 full duplex on one blocking
 * connection, with no thread hand-off on either direction's way. Every other request runs as usual.
 */
final class DuplexRequestExecutor extends HttpRequestExecutor {

    @Override
    public ClassicHttpResponse execute(final ClassicHttpRequest request, final HttpClientConnection connection,
                                       final HttpResponseInformationCallback informationCallback,
                                       final HttpContext localContext) throws IOException, HttpException {
        if (!(request.getEntity() instanceof DuplexBody)) {
            return super.execute(request, connection, informationCallback, localContext);
        }
        final DuplexBody body = (DuplexBody) request.getEntity();
        final HttpCoreContext context = HttpCoreContext.castOrCreate(localContext);
        try {
            context.setSSLSession(connection.getSSLSession());
            context.setEndpointDetails(connection.getEndpointDetails());
            connection.sendRequestHeader(request);
            connection.flush();
            body.startSending(connection, request);
            ClassicHttpResponse response;
            do {
                response = connection.receiveResponseHeader();
                if (response.getCode() < HttpStatus.SC_INFORMATIONAL) {
                    throw new ProtocolException("Invalid response: " + new StatusLine(response));
                }
            } while (response.getCode() < HttpStatus.SC_SUCCESS);
            if (MessageSupport.canResponseHaveBody(request.getMethod(), response)) {
                connection.receiveResponseEntity(response);
                final HttpEntity entity = response.getEntity();
                if (entity != null) {
                    response.setEntity(new HttpEntityWrapper(entity) {
                        @Override
                        public InputStream getContent() throws IOException {
                            return body.guard(super.getContent());
                        }
                    });
                }
            }
            return response;
        } catch (final HttpException | SSLException broken) {
            connection.close(CloseMode.GRACEFUL);
            throw broken;
        } catch (final IOException | RuntimeException failed) {
            connection.close(CloseMode.IMMEDIATE);
            throw failed;
        }
    }
}
