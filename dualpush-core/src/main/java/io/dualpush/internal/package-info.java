/** The engine. Not API: nothing outside dualpush-core may use these types. */
@NullMarked
package io.dualpush.internal;

import org.jspecify.annotations.NullMarked;
