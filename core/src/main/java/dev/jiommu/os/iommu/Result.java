package dev.jiommu.os.iommu;

import dev.jiommu.Errno;

import java.util.Objects;

/**
 * A value or a negated errno: the Java form of Linux's {@code ERR_PTR} /
 * {@code IS_ERR} / {@code PTR_ERR}, for the calls that hand back an object.
 *
 * <p>Invariant: an {@link Err} carries a negative errno; an {@link Ok} carries
 * a non-null value and reports {@code error() == 0}.
 */
public sealed interface Result<T> permits Result.Ok, Result.Err {

    /** 0 for a value, the negated errno otherwise ({@code PTR_ERR}). */
    int error();

    /**
     * The value.
     *
     * @throws IllegalStateException for an error result
     */
    T value();

    default boolean isOk() {
        return error() == 0;
    }

    static <T> Result<T> ok(T value) {
        return new Ok<>(value);
    }

    static <T> Result<T> err(int error) {
        return new Err<>(error);
    }

    /** A value. */
    record Ok<T>(T value) implements Result<T> {
        public Ok {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public int error() {
            return 0;
        }
    }

    /** A negated errno. */
    record Err<T>(int error) implements Result<T> {
        public Err {
            if (error >= 0) {
                throw new IllegalArgumentException("an error result needs a negative errno, not " + error);
            }
        }

        @Override
        public T value() {
            throw new IllegalStateException("no value: " + Errno.name(error));
        }

        /** The same error, typed for another value type. */
        public <U> Result<U> cast() {
            return new Err<>(error);
        }

        @Override
        public String toString() {
            return "Err[" + Errno.name(error) + "]";
        }
    }
}
