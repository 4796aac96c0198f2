/** Turning ring buffer records into the events an agent ships: printf text formatted here, exit, ... */
package dev.fleettrace.agent.events;
