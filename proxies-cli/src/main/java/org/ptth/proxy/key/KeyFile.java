package org.ptth.proxy.key;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and writes key files: one line of 64 lowercase hex characters, readable by the owner only.
 * A key that others can read is no secret, and a key with little variety was typed, not drawn,
 * so both are refused before the key ever reaches the wire.
 */
public final class KeyFile {

    static final int KEY_BYTES = 32;
    private static final Pattern KEY_FORMAT = Pattern.compile("[0-9a-f]{64}");
    /** A random 64-hex key shows almost all 16 digits; fewer than 8 means it was made by hand. */
    private static final int MIN_DISTINCT_DIGITS = 8;
    private static final Set<PosixFilePermission> OWNER_ONLY =
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    private static final Set<PosixFilePermission> SHARED = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

    private KeyFile() {
    }

    /** Loads the key of a file after checking its permissions and its content. */
    public static String load(final Path file) throws KeyFileException {
        checkPermissions(file);
        final String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (final NoSuchFileException missing) {
            throw new KeyFileException("key file " + file + " does not exist");
        } catch (final IOException | UncheckedIOException unreadable) {
            throw new KeyFileException("cannot read key file " + file + ": " + unreadable.getMessage());
        }
        checkKey(file, text);
        return text;
    }

    /** A fresh key: 256 bits from SecureRandom as 64 lowercase hex characters. */
    public static String generateKey() {
        final byte[] bits = new byte[KEY_BYTES];
        new SecureRandom().nextBytes(bits);
        return HexFormat.of().formatHex(bits);
    }

    /** Creates a new key file with mode 0600; an existing file is never overwritten. */
    public static void create(final Path file, final String key) throws KeyFileException {
        try {
            if (supportsPosix(file.toAbsolutePath().getParent())) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } else {
                Files.createFile(file);
            }
            Files.writeString(file, key + "\n", StandardCharsets.UTF_8);
        } catch (final FileAlreadyExistsException exists) {
            throw new KeyFileException("key file " + file + " already exists; refusing to overwrite it");
        } catch (final IOException failed) {
            throw new KeyFileException("cannot create key file " + file + ": " + failed.getMessage());
        }
    }

    static void checkKey(final Path file, final String key) throws KeyFileException {
        if (!KEY_FORMAT.matcher(key).matches()) {
            throw new KeyFileException("key file " + file + " must hold one line of 64 lowercase hex characters"
                    + " (found " + key.length() + " characters); make one with ptth-proxy keygen");
        }
        if (key.chars().distinct().count() < MIN_DISTINCT_DIGITS) {
            throw new KeyFileException("key file " + file + " holds a low-entropy key (too few distinct digits);"
                    + " make a random one with ptth-proxy keygen");
        }
    }

    private static void checkPermissions(final Path file) throws KeyFileException {
        final PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
        if (view == null) {
            return; // no POSIX permissions on this file system: nothing to check
        }
        final Set<PosixFilePermission> permissions;
        try {
            permissions = view.readAttributes().permissions();
        } catch (final NoSuchFileException missing) {
            throw new KeyFileException("key file " + file + " does not exist");
        } catch (final IOException unreadable) {
            throw new KeyFileException("cannot read key file " + file + ": " + unreadable.getMessage());
        }
        for (final PosixFilePermission permission : permissions) {
            if (SHARED.contains(permission)) {
                throw new KeyFileException("key file " + file + " is readable or writable by group or others;"
                        + " run: chmod 600 " + file);
            }
        }
    }

    private static boolean supportsPosix(final Path directory) {
        return directory != null && Files.getFileAttributeView(directory, PosixFileAttributeView.class) != null;
    }
}
