package dev.jiommu.qtest;

/** A qtest request the server cannot carry out as written; answered {@code ERR message}. */
final class BadRequest extends RuntimeException {

    BadRequest(String message) {
        super(message, null, false, false);
    }
}
