package io.dualpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Assertions for G8: bad input is refused with an {@link InvalidInputException} that names the field. */
public final class Refusals {
  private Refusals() {}

  /**
   * Runs {@code call} and asserts it throws an {@link InvalidInputException} whose {@code field()}
   * is {@code field} and whose message names it too; returns the exception for further checks.
   */
  public static InvalidInputException assertRefused(ThrowingCallable call, String field) {
    Throwable thrown = catchThrowable(call);
    assertThat(thrown)
        .as("a refusal naming '%s'", field)
        .isInstanceOf(InvalidInputException.class);
    InvalidInputException e = (InvalidInputException) thrown;
    assertThat(e.field()).as("field() of: %s", e.getMessage()).isEqualTo(field);
    assertThat(e.getMessage()).as("message").contains(field);
    return e;
  }
}
