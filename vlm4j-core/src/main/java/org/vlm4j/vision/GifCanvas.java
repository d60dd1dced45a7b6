package org.vlm4j.vision;

import java.io.IOException;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

/**
 * Places the first GIF frame on the logical screen the way Pillow does.
 *
 * <p>{@code ImageIO} returns a GIF frame at its own size. Pillow's image is the logical screen
 * (grown if the frame sticks out), pre-filled with palette index 0, or with the frame's transparent
 * index if it has one, and the frame is pasted at its offset; {@code convert('RGB')} then looks every
 * index up in the frame's palette. For the usual GIF whose first frame covers the whole screen this
 * changes nothing.
 *
 * @param width     canvas width
 * @param height    canvas height
 * @param left      frame offset x
 * @param top       frame offset y
 * @param fillIndex palette index the uncovered area gets
 */
record GifCanvas(int width, int height, int left, int top, int fillIndex) {

    private static final String STREAM_FORMAT = "javax_imageio_gif_stream_1.0";
    private static final String IMAGE_FORMAT = "javax_imageio_gif_image_1.0";

    /**
     * Reads the placement of frame 0 from the reader's metadata (headers only). Returns {@code null}
     * if the reader does not expose the JDK GIF metadata formats.
     */
    static GifCanvas of(ImageReader reader, int frameWidth, int frameHeight) throws IOException {
        IIOMetadata stream = reader.getStreamMetadata();
        IIOMetadata image = reader.getImageMetadata(0);
        if (stream == null || image == null || !supports(stream, STREAM_FORMAT) || !supports(image, IMAGE_FORMAT)) {
            return null;
        }
        Node lsd = child(stream.getAsTree(STREAM_FORMAT), "LogicalScreenDescriptor");
        Node imageTree = image.getAsTree(IMAGE_FORMAT);
        Node desc = child(imageTree, "ImageDescriptor");
        Node gce = child(imageTree, "GraphicControlExtension");
        int screenW = intAttr(lsd, "logicalScreenWidth", 0);
        int screenH = intAttr(lsd, "logicalScreenHeight", 0);
        int left = intAttr(desc, "imageLeftPosition", 0);
        int top = intAttr(desc, "imageTopPosition", 0);
        int fill = 0;
        if (gce != null && "TRUE".equalsIgnoreCase(strAttr(gce, "transparentColorFlag"))) {
            fill = intAttr(gce, "transparentColorIndex", 0);
        }
        return new GifCanvas(Math.max(screenW, left + frameWidth), Math.max(screenH, top + frameHeight),
                left, top, fill);
    }

    /** True if the frame alone is not the whole picture. */
    boolean needsCompose(int frameWidth, int frameHeight) {
        return width != frameWidth || height != frameHeight;
    }

    /** The canvas in RGB: {@code fillRgb} everywhere, the frame's RGB pixels at the offset. */
    byte[] compose(byte[] frameRgb, int frameWidth, int frameHeight, int fillRgb) {
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(width, height), 3)];
        byte r = (byte) (fillRgb >> 16);
        byte g = (byte) (fillRgb >> 8);
        byte b = (byte) fillRgb;
        for (int i = 0; i < out.length; i += 3) {
            out[i] = r;
            out[i + 1] = g;
            out[i + 2] = b;
        }
        for (int y = 0; y < frameHeight; y++) {
            System.arraycopy(frameRgb, y * frameWidth * 3, out, ((top + y) * width + left) * 3, frameWidth * 3);
        }
        return out;
    }

    private static boolean supports(IIOMetadata md, String format) {
        if (format.equals(md.getNativeMetadataFormatName())) {
            return true;
        }
        String[] extra = md.getExtraMetadataFormatNames();
        if (extra != null) {
            for (String f : extra) {
                if (format.equals(f)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static Node child(Node parent, String name) {
        if (parent == null) {
            return null;
        }
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (name.equals(n.getNodeName())) {
                return n;
            }
        }
        return null;
    }

    private static String strAttr(Node node, String name) {
        if (node == null) {
            return null;
        }
        NamedNodeMap attrs = node.getAttributes();
        Node a = attrs == null ? null : attrs.getNamedItem(name);
        return a == null ? null : a.getNodeValue();
    }

    private static int intAttr(Node node, String name, int dflt) {
        String v = strAttr(node, name);
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }
}
