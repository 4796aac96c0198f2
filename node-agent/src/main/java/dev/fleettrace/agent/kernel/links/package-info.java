/** Attachments of programs to their events; closing a link detaches. */
package dev.fleettrace.agent.kernel.links;
