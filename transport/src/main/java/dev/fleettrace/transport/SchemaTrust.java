package dev.fleettrace.transport;

import dev.fleettrace.schemas.ControlMessage;
import org.apache.avro.util.ClassSecurityValidator;
import org.apache.avro.util.ClassSecurityValidator.ClassSecurityPredicate;

/**
 * Makes Avro 1.12 trust fleettrace's generated classes process-wide, as
 * {@code -Dorg.apache.avro.SERIALIZABLE_PACKAGES=dev.fleettrace.schemas} would.
 *
 * <p>{@link AvroSerde} does not need this. Other Avro calls that map a schema to a generated class
 * do: the builders' copy constructors ({@code ControlMessage.newBuilder(other)}),
 * {@code SpecificData.deepCopy}, and the generated {@code fromByteBuffer}. Without trust they
 * throw {@code SecurityException: Forbidden class ... not trusted}.
 */
public final class SchemaTrust {

    /** The package of the generated classes. */
    public static final String PACKAGE = ControlMessage.class.getPackageName();

    private SchemaTrust() {
    }

    /**
     * Adds the generated classes' package to Avro's global class validator, keeping whatever it
     * already trusts. Idempotent.
     */
    public static synchronized void install() {
        ClassSecurityPredicate current = ClassSecurityValidator.getGlobal();
        // Already trusted (the system property, or an earlier call): nothing to add.
        if (current.isTrusted(ControlMessage.class)) return;
        ClassSecurityPredicate ours = SchemaTrust::isFleettraceSchema;
        ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(current, ours));
    }

    /** True if {@code c} is one of the generated wire classes (or nested in one). */
    public static boolean isFleettraceSchema(Class<?> c) {
        return c.getPackageName().equals(PACKAGE);
    }
}
