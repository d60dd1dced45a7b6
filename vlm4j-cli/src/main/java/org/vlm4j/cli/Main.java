package org.vlm4j.cli;

/** Entry point of the {@code vlm4j} command. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.out.println("vlm4j");
    }
}
